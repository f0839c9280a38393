/** @file dense symmetric eigendecomposition A = QΛQᵀ: Householder tridiagonalization (householder.ts) + implicit QR (tridiagonalQr.ts) */
import { accumulate, tridiagonalize } from "./householder.js";
import { tridiagonalQr } from "./tridiagonalQr.js";

/** Eigenvalues in ascending order and the matching orthonormal eigenvectors. */
export interface EighResult {
  /** λ₁ ≤ λ₂ ≤ … ≤ λₙ. */
  readonly values: Float64Array;
  /** Row-major n×n Q; column j (entries j, n+j, 2n+j, …) is the eigenvector of values[j]. */
  readonly vectors: Float64Array;
}

/** Eigenvalues of a symmetric tridiagonal matrix with the first and last entries of each eigenvector. */
export interface TridiagonalRitz {
  /** Ascending eigenvalues θ_j. */
  readonly values: Float64Array;
  /** first[j] = e₁ᵀs_j (Gauss quadrature weights are its squares: Golub & Welsch 1969). */
  readonly first: Float64Array;
  /** last[j] = eₙᵀs_j (Lanczos residual estimates are β·|last[j]|). */
  readonly last: Float64Array;
}

/**
 * Eigendecomposition of a dense symmetric row-major n×n matrix. Householder reduction to
 * tridiagonal form (Golub & Van Loan (2013) Alg. 8.3.1), backward accumulation of Q (§5.1.6), then
 * implicit symmetric QR steps with Wilkinson shifts (Alg. 8.3.2/8.3.3). Only the lower and upper
 * triangles together are read; A must be symmetric to 1e-10 relative. A float32 matrix (a tensor's
 * data()) is read as it is; the work is in float64 either way.
 */
export function eigh(a: Float64Array | Float32Array, n: number): EighResult {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`eigh: n must be a non-negative integer, got ${n}`);
  if (a.length !== n * n) {
    throw new RangeError(`eigh: expected a square ${n}×${n} matrix (${n * n} entries), got ${a.length} entries`);
  }
  let amax = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (!Number.isFinite(x)) throw new RangeError(`eigh: entry ${i} (row ${Math.floor(i / n)}) is ${x}`);
    amax = Math.max(amax, Math.abs(x));
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (Math.abs(a[i * n + j]! - a[j * n + i]!) > 1e-10 * amax) {
        throw new RangeError(`eigh: matrix is not symmetric (entries (${i},${j}) and (${j},${i}) differ)`);
      }
    }
  }
  if (n === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) };
  // Scale to max |a_ij| = 1 so squares in the Householder norms neither overflow nor underflow.
  const s = amax === 0 ? 1 : 1 / amax;
  const w = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) w[i] = a[i]! * s;
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  const betas = new Float64Array(n);
  tridiagonalize(w, n, d, e, betas);
  const z = accumulate(w, n, betas);
  tridiagonalQr(d, e, z, n);
  for (let i = 0; i < n; i++) d[i]! /= s;
  return sortedPairs(d, z, n);
}

/** eigh of the symmetric tridiagonal matrix with diagonal alpha and off-diagonal beta (length n−1). */
export function eighTridiagonal(alpha: Float64Array, beta: Float64Array): EighResult {
  const n = alpha.length;
  const { d, e } = tridiagonalCopy("eighTridiagonal", alpha, beta);
  const z = new Float64Array(n * n);
  for (let i = 0; i < n; i++) z[i * n + i] = 1;
  tridiagonalQr(d, e, z, n);
  return sortedPairs(d, z, n);
}

/**
 * Eigenvalues of a symmetric tridiagonal matrix and only the first and last entries of each
 * eigenvector: the QR rotations are applied to a 2-column slice, so this costs O(n²) rather than
 * O(n³) — what Lanczos convergence checks and quadrature weights need.
 */
export function tridiagonalRitz(alpha: Float64Array, beta: Float64Array): TridiagonalRitz {
  const n = alpha.length;
  const { d, e } = tridiagonalCopy("tridiagonalRitz", alpha, beta);
  // Rows 0 and n−1 of the eigenvector matrix, starting from rows 0 and n−1 of I.
  const z = new Float64Array(2 * n);
  if (n > 0) {
    z[0] = 1;
    z[2 * n - 1] = 1;
  }
  tridiagonalQr(d, e, z, 2);
  const order = ascendingOrder(d);
  const values = new Float64Array(n);
  const first = new Float64Array(n);
  const last = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const src = order[j]!;
    values[j] = d[src]!;
    first[j] = z[src]!;
    last[j] = z[n + src]!;
  }
  return { values, first, last };
}

/** Checks a tridiagonal matrix and copies it into the diagonal d and off-diagonal e that QR overwrites. */
function tridiagonalCopy(who: string, alpha: Float64Array, beta: Float64Array): { d: Float64Array; e: Float64Array } {
  const n = alpha.length;
  if (beta.length < n - 1) throw new RangeError(`${who}: need ${n - 1} off-diagonal entries, got ${beta.length}`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(alpha[i]!)) throw new RangeError(`${who}: alpha[${i}] is ${alpha[i]}`);
  for (let i = 0; i < n - 1; i++) if (!Number.isFinite(beta[i]!)) throw new RangeError(`${who}: beta[${i}] is ${beta[i]}`);
  return { d: Float64Array.from(alpha), e: Float64Array.from(beta.subarray(0, Math.max(n - 1, 0))) };
}

function sortedPairs(d: Float64Array, z: Float64Array, n: number): EighResult {
  const order = ascendingOrder(d);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let j = 0; j < n; j++) values[j] = d[order[j]!]!;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) vectors[row + j] = z[row + order[j]!]!;
  }
  return { values, vectors };
}

function ascendingOrder(d: Float64Array): Int32Array {
  const order = Int32Array.from({ length: d.length }, (_, i) => i);
  order.sort((i, j) => d[i]! - d[j]!);
  return order;
}
