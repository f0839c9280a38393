/** @file elementwise kernels: unary maps and shape-strict binary ops (broadcasting is a movement op) */
import { allocate, checkSameShape, type NDArray } from "./ndarray.js";
import * as special from "./special.js";

/** Applies a scalar function to every element; the result has the input's shape and dtype. */
export function map(a: NDArray, f: (x: number) => number): NDArray {
  const src = a.data;
  const out = allocate(a.dtype, src.length);
  for (let i = 0; i < src.length; i++) out[i] = f(src[i]!);
  return { shape: a.shape, dtype: a.dtype, data: out };
}

/** Combines two arrays of identical shape and dtype element by element. */
export function zipWith(op: string, a: NDArray, b: NDArray, f: (x: number, y: number) => number): NDArray {
  checkSameShape(op, a, b);
  const x = a.data;
  const y = b.data;
  const out = allocate(a.dtype, x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]!, y[i]!);
  return { shape: a.shape, dtype: a.dtype, data: out };
}

// Binary ops are written out rather than built on zipWith: these are the hot ones, and a direct
// loop lets V8 keep them monomorphic.

/** a + b, same shape. */
export function add(a: NDArray, b: NDArray): NDArray {
  checkSameShape("add", a, b);
  const x = a.data;
  const y = b.data;
  const out = allocate(a.dtype, x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! + y[i]!;
  return { shape: a.shape, dtype: a.dtype, data: out };
}

/** a − b, same shape. */
export function sub(a: NDArray, b: NDArray): NDArray {
  checkSameShape("sub", a, b);
  const x = a.data;
  const y = b.data;
  const out = allocate(a.dtype, x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! - y[i]!;
  return { shape: a.shape, dtype: a.dtype, data: out };
}

/** a ⊙ b, same shape. */
export function mul(a: NDArray, b: NDArray): NDArray {
  checkSameShape("mul", a, b);
  const x = a.data;
  const y = b.data;
  const out = allocate(a.dtype, x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * y[i]!;
  return { shape: a.shape, dtype: a.dtype, data: out };
}

/** a / b, same shape. */
export function div(a: NDArray, b: NDArray): NDArray {
  return zipWith("div", a, b, (x, y) => x / y);
}

/** Elementwise maximum; NaN in either operand gives NaN. */
export function maximum(a: NDArray, b: NDArray): NDArray {
  return zipWith("maximum", a, b, (x, y) => Math.max(x, y));
}

/** 1 where a > b, 0 where a ≤ b, NaN where either is NaN (so masks built from it propagate NaN). */
export function greater(a: NDArray, b: NDArray): NDArray {
  return zipWith("greater", a, b, (x, y) => (x > y ? 1 : x <= y ? 0 : NaN));
}

/** 1 where a = b, else 0. */
export function equal(a: NDArray, b: NDArray): NDArray {
  return zipWith("equal", a, b, (x, y) => (x === y ? 1 : 0));
}

/** Picks a where cond ≠ 0, else b; all three of one shape. */
export function where(cond: NDArray, a: NDArray, b: NDArray): NDArray {
  checkSameShape("where", cond, a);
  checkSameShape("where", a, b);
  const c = cond.data;
  const x = a.data;
  const y = b.data;
  const out = allocate(a.dtype, x.length);
  // NaN in cond counts as true (NaN ≠ 0), so a NaN condition never silently picks b.
  for (let i = 0; i < x.length; i++) out[i] = c[i] !== 0 ? x[i]! : y[i]!;
  return { shape: a.shape, dtype: a.dtype, data: out };
}

/** −a. */
export const neg = (a: NDArray): NDArray => map(a, (x) => -x);
/** 1/a. */
export const reciprocal = (a: NDArray): NDArray => map(a, (x) => 1 / x);
/** eᵃ. */
export const exp = (a: NDArray): NDArray => map(a, Math.exp);
/** Natural logarithm. */
export const log = (a: NDArray): NDArray => map(a, Math.log);
/** log(1 + a), accurate near 0. */
export const log1p = (a: NDArray): NDArray => map(a, Math.log1p);
/** √a. */
export const sqrt = (a: NDArray): NDArray => map(a, Math.sqrt);
/** a². */
export const square = (a: NDArray): NDArray => map(a, (x) => x * x);
/** aᵖ for a constant p. */
export const pow = (a: NDArray, p: number): NDArray => map(a, (x) => Math.pow(x, p));
/** tanh a. */
export const tanh = (a: NDArray): NDArray => map(a, Math.tanh);
/** |a|. */
export const abs = (a: NDArray): NDArray => map(a, Math.abs);
/** sign(a) ∈ {−1, 0, 1}; NaN stays NaN. */
export const sign = (a: NDArray): NDArray => map(a, Math.sign);
/** Stable logistic sigmoid. */
export const sigmoid = (a: NDArray): NDArray => map(a, special.sigmoid);
/** Stable softplus. */
export const softplus = (a: NDArray): NDArray => map(a, special.softplus);
/** max(a, 0); NaN propagates (Math.max, not a comparison that would zero it). */
export const relu = (a: NDArray): NDArray => map(a, (x) => Math.max(x, 0));
/** a for a > 0, αa otherwise; NaN propagates. */
export const leakyRelu = (a: NDArray, alpha: number): NDArray => map(a, (x) => (x < 0 ? alpha * x : x));
/** The error function. */
export const erf = (a: NDArray): NDArray => map(a, special.erf);
/** GELU, exact erf form. */
export const gelu = (a: NDArray): NDArray => map(a, special.gelu);
/** GELU, tanh approximation. */
export const geluTanh = (a: NDArray): NDArray => map(a, special.geluTanh);
