/** @file every eigenvalue of a small symmetric operator, formed densely, with the resolution its rounding allows */
import { eigh } from "./eigh.js";
import { requireSymmetric, toDense, type LinearOperator } from "./linearOperator.js";

/** The dense spectrum of an operator and what its numbers can resolve. */
export interface DenseSpectrum {
  /** All n eigenvalues of (A + Aᵀ)/2, ascending. */
  readonly values: Float64Array;
  /** Row-major n×n; column j is the unit eigenvector of values[j]. */
  readonly vectors: Float64Array;
  /** ‖Aq_j − λ_j q_j‖ against the operator's own columns (its asymmetry included). */
  readonly residuals: Float64Array;
  /** ‖(A − Aᵀ)/2‖_F: the rounding in the operator's products, seen as asymmetry. */
  readonly asymmetry: number;
  /**
   * Eigenvalues with |λ| at or below this are zero to tolerance: the larger of the asymmetry (the
   * symmetric part's rounding is of the same size) and eigh's own backward error 8·n·ε·‖A‖₂.
   */
  readonly resolution: number;
  /** tr A = Σ aᵢᵢ, exactly as the products gave it. */
  readonly trace: number;
  /** Operator products used (n, one per column). */
  readonly products: number;
}

/** Largest n the dense route accepts by default: n products and an O(n³) eigh (≈ 4 s at n = 1000). */
export const DENSE_SPECTRUM_LIMIT = 2000;

/**
 * Forms A column by column (n products), symmetrizes it and diagonalizes it with eigh. Unlike a
 * Krylov method this sees every eigenvalue, so the smallest ones — clustered at zero for a singular
 * GGN, or tiny and negative at a near-minimum — come out to rounding level instead of to a
 * convergence tolerance; the measured asymmetry says what that rounding level is.
 */
export function denseSpectrum(op: LinearOperator): DenseSpectrum {
  const n = requireSymmetric("denseSpectrum", op);
  const a = toDense(op);
  const s = new Float64Array(n * n);
  let antisymmetric = 0;
  let trace = 0;
  for (let i = 0; i < n; i++) {
    trace += a[i * n + i]!;
    s[i * n + i] = a[i * n + i]!;
    for (let j = i + 1; j < n; j++) {
      const upper = a[i * n + j]!;
      const lower = a[j * n + i]!;
      const mean = 0.5 * (upper + lower);
      s[i * n + j] = mean;
      s[j * n + i] = mean;
      antisymmetric += 2 * (0.5 * (upper - lower)) ** 2;
    }
  }
  const { values, vectors } = eigh(s, n);
  const residuals = new Float64Array(n);
  const q = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) q[i] = vectors[i * n + j]!;
    let r2 = 0;
    for (let i = 0; i < n; i++) {
      let y = 0;
      const row = i * n;
      for (let l = 0; l < n; l++) y += a[row + l]! * q[l]!;
      r2 += (y - values[j]! * q[i]!) ** 2;
    }
    residuals[j] = Math.sqrt(r2);
  }
  const asymmetry = Math.sqrt(antisymmetric);
  const scale = n === 0 ? 0 : Math.max(Math.abs(values[0]!), Math.abs(values[n - 1]!));
  const resolution = Math.max(asymmetry, 8 * n * Number.EPSILON * scale);
  return { values, vectors, residuals, asymmetry, resolution, trace, products: n };
}
