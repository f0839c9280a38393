/** @file the plain n-dimensional array every kernel works on: shape, dtype, contiguous row-major data */

/** Floating-point element types. float64 for analysis and derivative tests; float32 for speed. */
export type DType = "float32" | "float64";

/** The typed array behind a dtype. */
export type TypedArray = Float32Array | Float64Array;

/**
 * A dense array: `data` holds `size(shape)` elements in row-major (C) order, always contiguous.
 * Kernels never mutate their inputs; an NDArray is treated as immutable once returned.
 */
export interface NDArray {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly data: TypedArray;
}

/** Thrown for every shape, dtype or argument error a kernel detects; the message names the op. */
export class ShapeError extends Error {
  override readonly name = "ShapeError";
}

/** Number of elements of a shape (1 for a scalar, shape []). */
export function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides, in elements. */
export function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i]!;
  }
  return out;
}

/** `[2, 3]` — shapes as users write them, for error messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** Whether two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Throws a ShapeError unless a shape is a list of non-negative integers. */
export function checkShape(op: string, shape: readonly number[]): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`${op}: invalid shape ${formatShape(shape)}`);
  }
}

/** Allocates a zero-filled typed array of a dtype. */
export function allocate(dtype: DType, n: number): TypedArray {
  return dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
}

/** Wraps data (not copied) as an NDArray; the length must match the shape. */
export function ndarray(data: TypedArray, shape: readonly number[]): NDArray {
  checkShape("ndarray", shape);
  if (data.length !== size(shape)) {
    throw new ShapeError(`ndarray: ${data.length} elements do not fill shape ${formatShape(shape)}`);
  }
  return { shape: [...shape], dtype: data instanceof Float64Array ? "float64" : "float32", data };
}

/** A new array of the given shape filled with a value. */
export function full(shape: readonly number[], value: number, dtype: DType): NDArray {
  checkShape("full", shape);
  const data = allocate(dtype, size(shape));
  if (value !== 0) data.fill(value);
  return { shape: [...shape], dtype, data };
}

/** A new zero array of the given shape. */
export function zeros(shape: readonly number[], dtype: DType): NDArray {
  return full(shape, 0, dtype);
}

/** Converts nested arrays or a flat list into an NDArray, inferring the shape from nesting. */
export function fromNested(values: number | NestedNumbers, dtype: DType): NDArray {
  const shape: number[] = [];
  let probe: number | NestedNumbers = values;
  while (typeof probe !== "number") {
    shape.push(probe.length);
    const first: number | NestedNumbers = probe[0] ?? 0;
    probe = first;
  }
  const data = allocate(dtype, size(shape));
  let k = 0;
  const walk = (v: number | NestedNumbers, depth: number): void => {
    if (typeof v === "number") {
      if (depth !== shape.length) throw new ShapeError("fromNested: ragged nested array");
      data[k++] = v;
      return;
    }
    if (v.length !== shape[depth]) throw new ShapeError("fromNested: ragged nested array");
    for (const item of v) walk(item, depth + 1);
  };
  walk(values, 0);
  return { shape, dtype, data };
}

/** Nested arrays of numbers of any depth. */
export type NestedNumbers = readonly (number | NestedNumbers)[];

/** A copy of an array's data converted to another dtype (a copy even when the dtype is the same). */
export function astype(a: NDArray, dtype: DType): NDArray {
  const data = allocate(dtype, a.data.length);
  data.set(a.data);
  return { shape: a.shape, dtype, data };
}

/** Same data, new shape (no copy: arrays are contiguous). */
export function reshape(a: NDArray, shape: readonly number[]): NDArray {
  checkShape("reshape", shape);
  if (size(shape) !== a.data.length) {
    throw new ShapeError(`reshape: cannot reshape ${formatShape(a.shape)} to ${formatShape(shape)}`);
  }
  return { shape: [...shape], dtype: a.dtype, data: a.data };
}

/** Throws unless both arrays share a dtype; the message names the op. */
export function checkSameDType(op: string, a: NDArray, b: NDArray): void {
  if (a.dtype !== b.dtype) throw new ShapeError(`${op}: dtype mismatch ${a.dtype} vs ${b.dtype}`);
}

/** Throws unless both arrays share shape and dtype; the message names the op and both shapes. */
export function checkSameShape(op: string, a: NDArray, b: NDArray): void {
  checkSameDType(op, a, b);
  if (!sameShape(a.shape, b.shape)) {
    throw new ShapeError(`${op}: shape mismatch ${formatShape(a.shape)} vs ${formatShape(b.shape)}`);
  }
}
