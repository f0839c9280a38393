/** @file movement kernels: transpose, broadcast, slice, pad, concat — every result is a fresh contiguous array */
import { allocate, checkShape, formatShape, ShapeError, size, strides, type NDArray } from "./ndarray.js";
import { walkRows } from "./strided.js";

/** Gathers `shape` elements from `a` at the given input strides and offset into a new array. */
function gather(a: NDArray, shape: readonly number[], inStrides: readonly number[], inOffset: number): NDArray {
  const out = allocate(a.dtype, size(shape));
  const src = a.data;
  walkRows(shape, inStrides, inOffset, (o, i, n, s) => {
    if (s === 1) out.set(src.subarray(i, i + n), o);
    else if (s === 0) out.fill(src[i]!, o, o + n);
    else for (let k = 0; k < n; k++) out[o + k] = src[i + k * s]!;
  });
  return { shape: [...shape], dtype: a.dtype, data: out };
}

/** Permutes axes: result axis i is input axis perm[i]. Default reverses the axes. */
export function transpose(a: NDArray, perm?: readonly number[]): NDArray {
  const rank = a.shape.length;
  const p = perm ?? a.shape.map((_, i) => rank - 1 - i);
  const seen = new Set(p);
  if (p.length !== rank || seen.size !== rank || p.some((ax) => !Number.isInteger(ax) || ax < 0 || ax >= rank)) {
    throw new ShapeError(`transpose: invalid permutation [${p.join(", ")}] for shape ${formatShape(a.shape)}`);
  }
  const st = strides(a.shape);
  return gather(a, p.map((ax) => a.shape[ax]!), p.map((ax) => st[ax]!), 0);
}

/** Whether `from` broadcasts to `to` under NumPy rules (align right; dims equal or 1). */
export function broadcastable(from: readonly number[], to: readonly number[]): boolean {
  if (from.length > to.length) return false;
  const lead = to.length - from.length;
  return from.every((d, i) => d === 1 || d === to[lead + i]);
}

/** NumPy broadcasting of two shapes; throws naming the op and both shapes if incompatible. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Repeats `a` along new leading axes and along its size-1 axes to reach `shape`. */
export function broadcastTo(a: NDArray, shape: readonly number[]): NDArray {
  checkShape("broadcastTo", shape);
  if (!broadcastable(a.shape, shape)) {
    throw new ShapeError(`broadcastTo: cannot broadcast ${formatShape(a.shape)} to ${formatShape(shape)}`);
  }
  const lead = shape.length - a.shape.length;
  const st = strides(a.shape);
  const inStrides = shape.map((_, i) => (i < lead || a.shape[i - lead] === 1 ? 0 : st[i - lead]!));
  return gather(a, shape, inStrides, 0);
}

function checkWindow(op: string, shape: readonly number[], begin: readonly number[], sizes: readonly number[]): void {
  const ok =
    begin.length === shape.length &&
    sizes.length === shape.length &&
    begin.every((b, i) => Number.isInteger(b) && b >= 0 && Number.isInteger(sizes[i]) && sizes[i]! >= 0 && b + sizes[i]! <= shape[i]!);
  if (!ok) {
    throw new ShapeError(
      `${op}: window begin [${begin.join(", ")}] size [${sizes.join(", ")}] does not fit shape ${formatShape(shape)}`,
    );
  }
}

/** The block of `a` starting at `begin` with extent `sizes` (one entry per axis). */
export function slice(a: NDArray, begin: readonly number[], sizes: readonly number[]): NDArray {
  checkWindow("slice", a.shape, begin, sizes);
  const st = strides(a.shape);
  const offset = begin.reduce((acc, b, i) => acc + b * st[i]!, 0);
  return gather(a, sizes, st, offset);
}

/** Zeros of `shape` with `a` written at `begin`: the adjoint of slice. */
export function pad(a: NDArray, begin: readonly number[], shape: readonly number[]): NDArray {
  checkShape("pad", shape);
  checkWindow("pad", shape, begin, a.shape);
  const out = allocate(a.dtype, size(shape));
  const st = strides(shape);
  const offset = begin.reduce((acc, b, i) => acc + b * st[i]!, 0);
  const src = a.data;
  // walk the source rows; the "input" strides here locate the destination
  walkRows(a.shape, st, offset, (o, i, n, s) => {
    if (s === 1) out.set(src.subarray(o, o + n), i);
    else for (let k = 0; k < n; k++) out[i + k * s] = src[o + k]!;
  });
  return { shape: [...shape], dtype: a.dtype, data: out };
}

/** Joins arrays along an axis; all other dims and the dtype must agree. */
export function concat(arrays: readonly NDArray[], axis: number): NDArray {
  const first = arrays[0];
  if (first === undefined) throw new ShapeError("concat: needs at least one array");
  const rank = first.shape.length;
  if (!Number.isInteger(axis) || axis < 0 || axis >= rank) {
    throw new ShapeError(`concat: axis ${axis} out of range for shape ${formatShape(first.shape)}`);
  }
  for (const a of arrays) {
    const ok = a.dtype === first.dtype && a.shape.length === rank && a.shape.every((d, i) => i === axis || d === first.shape[i]);
    if (!ok) {
      throw new ShapeError(
        `concat: ${a.dtype} ${formatShape(a.shape)} does not match ${first.dtype} ${formatShape(first.shape)} off axis ${axis}`,
      );
    }
  }
  const shape = [...first.shape];
  shape[axis] = arrays.reduce((acc, a) => acc + a.shape[axis]!, 0);
  const outer = size(first.shape.slice(0, axis));
  const inner = size(first.shape.slice(axis + 1));
  const out = allocate(first.dtype, size(shape));
  const rowLength = (shape[axis] ?? 0) * inner;
  let start = 0;
  for (const a of arrays) {
    const chunk = a.shape[axis]! * inner;
    for (let o = 0; o < outer; o++) out.set(a.data.subarray(o * chunk, (o + 1) * chunk), o * rowLength + start);
    start += chunk;
  }
  return { shape, dtype: first.dtype, data: out };
}
