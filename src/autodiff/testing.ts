/** @file test helpers for derivative checks: seeded random tensors, finite differences, error measures */
import * as k from "../kernels/index.js";
import type { DType } from "../kernels/ndarray.js";
import { fromNDArray } from "./creation.js";
import type { Tensor } from "./tensor.js";

/** Values a comparison accepts: a tensor, plain numbers, or one number. */
export type Numbers = Tensor | ArrayLike<number> | number;

function values(x: Numbers): ArrayLike<number> {
  if (typeof x === "number") return [x];
  if ("toNDArray" in x) return x.toNDArray().data;
  return x;
}

/** Standard-normal entries (times `scale`), from a seeded generator. */
export function randomTensor(rng: k.Rng, shape: readonly number[], dtype: DType = "float64", scale = 1): Tensor {
  return fromNDArray(k.randomNormal(rng, shape, dtype, 0, scale));
}

/** Uniform entries in [low, high), from a seeded generator. */
export function randomUniformTensor(
  rng: k.Rng,
  shape: readonly number[],
  low: number,
  high: number,
  dtype: DType = "float64",
): Tensor {
  return fromNDArray(k.randomUniform(rng, shape, dtype, low, high));
}

/**
 * Entries whose magnitude is at least `margin` (uniform in [margin, margin + spread), random sign):
 * for functions with a kink at 0, so a finite-difference step never crosses it.
 */
export function randomAwayFromZero(rng: k.Rng, shape: readonly number[], margin: number, spread = 2): Tensor {
  const a = k.randomUniform(rng, shape, "float64", margin, margin + spread);
  for (let i = 0; i < a.data.length; i++) if (rng.uniform() < 0.5) a.data[i] = -a.data[i]!;
  return fromNDArray(a);
}

/** A random direction of unit Euclidean norm (float64 unless asked otherwise). */
export function randomDirection(rng: k.Rng, shape: readonly number[], dtype: DType = "float64"): Tensor {
  const a = k.randomNormal(rng, shape, "float64");
  const n = norm(a.data);
  if (n > 0) for (let i = 0; i < a.data.length; i++) a.data[i]! /= n;
  return fromNDArray(k.astype(a, dtype));
}

/** ⟨a, b⟩ = Σ aᵢbᵢ, accumulated in float64. Throws if the lengths differ. */
export function dot(a: Numbers, b: Numbers): number {
  const x = values(a);
  const y = values(b);
  if (x.length !== y.length) throw new RangeError(`dot: lengths ${x.length} and ${y.length} differ`);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

/** Euclidean norm ‖a‖₂. */
export function norm(a: Numbers): number {
  return Math.sqrt(dot(a, a));
}

/**
 * ‖a − b‖ / max(‖a‖, ‖b‖, floor). `floor` is the scale below which differences count as absolute
 * (for quantities that are exactly zero, where a finite difference only shows rounding noise).
 * 0 when both are zero; NaN if either holds a NaN (so `err <= tol` fails, as it should).
 */
export function relativeError(a: Numbers, b: Numbers, floor = 0): number {
  const x = values(a);
  const y = values(b);
  if (x.length !== y.length) throw new RangeError(`relativeError: lengths ${x.length} and ${y.length} differ`);
  let d = 0;
  for (let i = 0; i < x.length; i++) d += (x[i]! - y[i]!) ** 2;
  const scale = Math.max(norm(x), norm(y), floor);
  if (Number.isNaN(d) || Number.isNaN(scale)) return NaN;
  return d === 0 ? 0 : Math.sqrt(d) / scale;
}

/** The largest elementwise |aᵢ − bᵢ| / max(|aᵢ|, |bᵢ|, floor); NaN if any element is NaN. */
export function maxElementwiseError(a: Numbers, b: Numbers, floor = 0): number {
  const x = values(a);
  const y = values(b);
  if (x.length !== y.length) throw new RangeError(`maxElementwiseError: lengths ${x.length} and ${y.length} differ`);
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const u = x[i]!;
    const v = y[i]!;
    if (Number.isNaN(u) || Number.isNaN(v)) return NaN;
    if (u === v) continue;
    worst = Math.max(worst, Math.abs(u - v) / Math.max(Math.abs(u), Math.abs(v), floor));
  }
  return worst;
}

/** x + s·v for tensors of one shape (a constant: no derivative bookkeeping). */
export function axpy(x: Tensor, s: number, v: Tensor): Tensor {
  return fromNDArray(k.add(x.toNDArray(), k.map(v.toNDArray(), (e) => s * e)));
}

/**
 * The central difference (f(x + h·v) − f(x − h·v)) / (2h) along the directions `v` (one per
 * argument), an O(h²) estimate of the directional derivative J·v. With unit-scale inputs, h ≈ 1e-5
 * balances truncation (h²·f‴/6 ≈ 1e-11) against rounding (ε·|f|/h ≈ 1e-11).
 */
export function centralDifference(
  f: (...xs: Tensor[]) => Tensor,
  x: Tensor | readonly Tensor[],
  v: Tensor | readonly Tensor[],
  h = 1e-5,
): Tensor {
  const xs = Array.isArray(x) ? (x as readonly Tensor[]) : [x as Tensor];
  const vs = Array.isArray(v) ? (v as readonly Tensor[]) : [v as Tensor];
  if (xs.length !== vs.length) throw new RangeError(`centralDifference: ${xs.length} points but ${vs.length} directions`);
  const plus = f(...xs.map((xi, i) => axpy(xi, h, vs[i]!))).toNDArray();
  const minus = f(...xs.map((xi, i) => axpy(xi, -h, vs[i]!))).toNDArray();
  return fromNDArray(k.map(k.sub(plus, minus), (d) => d / (2 * h)));
}
