/** @file reductions over axes: sum and max (mean and logSumExp are built on them above this layer) */
import { allocate, formatShape, ShapeError, strides, type NDArray } from "./ndarray.js";
import { walkRows } from "./strided.js";

/** Validates and sorts reduction axes; negative axes count from the end. */
export function normalizeAxes(op: string, rank: number, axes: readonly number[] | undefined): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const out = axes.map((a) => (a < 0 ? a + rank : a));
  if (out.some((a) => !Number.isInteger(a) || a < 0 || a >= rank) || new Set(out).size !== out.length) {
    throw new ShapeError(`${op}: invalid axes [${axes.join(", ")}] for rank ${rank}`);
  }
  return out.sort((x, y) => x - y);
}

/** The shape after reducing `axes`, keeping them as size 1 or dropping them. */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

/**
 * Reduces by walking the input in row-major order while the output offset advances only along the
 * kept axes (output stride 0 on reduced axes). Each output cell starts at `init`.
 */
function reduce(
  op: string,
  a: NDArray,
  axesIn: readonly number[] | undefined,
  keepDims: boolean,
  init: number,
  combine: (acc: number, x: number) => number,
): NDArray {
  const axes = normalizeAxes(op, a.shape.length, axesIn);
  if (op === "max" && axes.some((ax) => a.shape[ax] === 0)) {
    throw new ShapeError(`max: cannot reduce over an empty axis of shape ${formatShape(a.shape)}`);
  }
  const outShape = reducedShape(a.shape, axes, keepDims);
  const keptShape = a.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const keptStrides = strides(keptShape).map((s, i) => (axes.includes(i) ? 0 : s));
  const outCount = keptShape.reduce((x, y) => x * y, 1);
  const acc = new Float64Array(outCount).fill(init);
  const src = a.data;
  // walkRows names its strided side "input": here that side is the accumulator.
  walkRows(a.shape, keptStrides, 0, (i, o, n, s) => {
    if (s === 0) {
      let v = acc[o]!;
      for (let k = 0; k < n; k++) v = combine(v, src[i + k]!);
      acc[o] = v;
    } else {
      for (let k = 0; k < n; k++) acc[o + k] = combine(acc[o + k]!, src[i + k]!);
    }
  });
  const out = allocate(a.dtype, outCount);
  out.set(acc);
  return { shape: outShape, dtype: a.dtype, data: out };
}

/** Sum over axes (all axes by default), accumulated in float64 whatever the dtype. */
export function sum(a: NDArray, axes?: readonly number[], keepDims = false): NDArray {
  return reduce("sum", a, axes, keepDims, 0, (acc, x) => acc + x);
}

/** Maximum over axes (all by default); NaN anywhere in a cell gives NaN. */
export function max(a: NDArray, axes?: readonly number[], keepDims = false): NDArray {
  return reduce("max", a, axes, keepDims, -Infinity, (acc, x) => (x > acc || Number.isNaN(x) ? x : acc));
}
