/** @file named test matrices with known structure (dense, row-major), in the spirit of MATLAB's gallery */
import { Rng } from "../kernels/random.js";
import { norm, orthogonalize, randomVector, scaleInPlace } from "./vector.js";

/**
 * The 1-D Poisson matrix tridiag(−1, 2, −1), SPD with eigenvalues 2 − 2cos(jπ/(n+1)); its
 * condition number grows like n², a classic slow case for unpreconditioned CG.
 */
export function poisson1d(n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    a[i * n + i] = 2;
    if (i + 1 < n) {
      a[i * n + i + 1] = -1;
      a[(i + 1) * n + i] = -1;
    }
  }
  return a;
}

/** A Haar-like random orthogonal n×n matrix (Gram–Schmidt twice on Gaussian columns), row-major. */
export function randomOrthogonal(n: number, seed: number | Rng): Float64Array {
  const rng = seed instanceof Rng ? seed : new Rng(seed);
  const cols: Float64Array[] = [];
  while (cols.length < n) {
    const v = randomVector(rng, n);
    orthogonalize(v, cols);
    const len = norm(v);
    if (len > 1e-8) cols.push(scaleInPlace(1 / len, v));
  }
  const q = new Float64Array(n * n);
  cols.forEach((c, j) => c.forEach((x, i) => (q[i * n + j] = x)));
  return q;
}

/** Q diag(λ) Qᵀ for a random orthogonal Q: a symmetric matrix with exactly the given spectrum. */
export function withSpectrum(eigenvalues: ArrayLike<number>, seed: number | Rng): Float64Array {
  const n = eigenvalues.length;
  const q = randomOrthogonal(n, seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q[i * n + k]! * eigenvalues[k]! * q[j * n + k]!;
      a[i * n + j] = s;
      a[j * n + i] = s;
    }
  }
  return a;
}

/** A random SPD matrix with eigenvalues spread geometrically over [1, condition]. */
export function randSpd(n: number, seed: number | Rng, condition = 100): Float64Array {
  const eig = Array.from({ length: n }, (_, i) => condition ** (n === 1 ? 0 : i / (n - 1)));
  return withSpectrum(eig, seed);
}

/** A random symmetric matrix with independent N(0, 1) entries on and above the diagonal (GOE-like). */
export function randSymmetric(n: number, seed: number | Rng): Float64Array {
  const rng = seed instanceof Rng ? seed : new Rng(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const x = rng.normal();
      a[i * n + j] = x;
      a[j * n + i] = x;
    }
  }
  return a;
}

/** diag(±1, ±2, …): half the eigenvalues negative (alternating signs), so symmetric indefinite. */
export function indefiniteDiag(n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = (i % 2 === 0 ? 1 : -1) * (1 + i);
  return a;
}

/** A random SPD matrix with eigenvalues in [1, 10] except one at `smallest` (default 1e-8). */
export function nearlySingular(n: number, seed: number | Rng, smallest = 1e-8): Float64Array {
  const eig = Array.from({ length: n }, (_, i) => (i === 0 ? smallest : 1 + (9 * i) / Math.max(n - 1, 1)));
  return withSpectrum(eig, seed);
}
