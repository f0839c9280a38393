/** @file small Float64Array vector and sample-statistics helpers shared by the Krylov solvers and estimators */
import type { Rng } from "../kernels/random.js";

/** The inner product ⟨x, y⟩; lengths must match. */
export function dot(x: Float64Array, y: Float64Array): number {
  if (x.length !== y.length) throw new RangeError(`dot: lengths ${x.length} and ${y.length} differ`);
  // Four accumulators break the add dependency chain (faster) and reduce summation error a little.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const n = x.length;
  const m = n - (n % 4);
  for (let i = 0; i < m; i += 4) {
    s0 += x[i]! * y[i]!;
    s1 += x[i + 1]! * y[i + 1]!;
    s2 += x[i + 2]! * y[i + 2]!;
    s3 += x[i + 3]! * y[i + 3]!;
  }
  for (let i = m; i < n; i++) s0 += x[i]! * y[i]!;
  return s0 + s1 + (s2 + s3);
}

/** The Euclidean norm ‖x‖₂. */
export function norm(x: Float64Array): number {
  return Math.sqrt(dot(x, x));
}

/** y ← y + a·x, in place; returns y. */
export function axpy(a: number, x: Float64Array, y: Float64Array): Float64Array {
  const n = y.length;
  for (let i = 0; i < n; i++) y[i]! += a * x[i]!;
  return y;
}

/** x ← a·x, in place; returns x. */
export function scaleInPlace(a: number, x: Float64Array): Float64Array {
  const n = x.length;
  for (let i = 0; i < n; i++) x[i]! *= a;
  return x;
}

/** A vector of n independent draws: ±1 (Rademacher) or standard normal. */
export function randomVector(rng: Rng, n: number, distribution: ProbeDistribution = "gaussian"): Float64Array {
  const v = new Float64Array(n);
  if (distribution === "rademacher") for (let i = 0; i < n; i++) v[i] = rng.rademacher();
  else for (let i = 0; i < n; i++) v[i] = rng.normal();
  return v;
}

/** How random probe vectors are drawn: ±1 entries or standard normal entries. */
export type ProbeDistribution = "rademacher" | "gaussian";

/**
 * Removes from w its components along the orthonormal vectors in basis, twice ("twice is enough":
 * Parlett (1998) §6.9, after Kahan), so w stays orthogonal to working precision. Returns the summed
 * coefficients ⟨q_i, w⟩ of both passes, which are the projections of the original w.
 */
export function orthogonalize(w: Float64Array, basis: readonly Float64Array[]): Float64Array {
  const coefficients = new Float64Array(basis.length);
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < basis.length; i++) {
      const q = basis[i]!;
      const c = dot(q, w);
      coefficients[i]! += c;
      axpy(-c, q, w);
    }
  }
  return coefficients;
}

/** Sample mean and its standard error s/√m (NaN for m = 1). */
export function meanAndError(samples: Float64Array): { mean: number; standardError: number } {
  const m = samples.length;
  let mean = 0;
  for (const x of samples) mean += x;
  mean /= m;
  let ss = 0;
  for (const x of samples) ss += (x - mean) ** 2;
  return { mean, standardError: m > 1 ? Math.sqrt(ss / (m - 1) / m) : NaN };
}
