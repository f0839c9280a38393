/** @file stochastic trace and diagonal estimation from operator products: Hutchinson, Hutch++, diagonal */
import { Rng } from "../kernels/random.js";
import type { LinearOperator } from "./linearOperator.js";
import { dot, meanAndError, norm, orthogonalize, randomVector, scaleInPlace, type ProbeDistribution } from "./vector.js";

/** Options of hutchinson (and of diagonalEstimate, which draws its probes the same way). */
export interface HutchinsonOptions {
  /** Number of probe vectors (one product each). */
  readonly probes: number;
  /** Seed or generator. Default 0. */
  readonly seed?: number | Rng;
  /**
   * Probe entries: ±1 (minimum variance for a fixed matrix, Hutchinson 1989; exact for a diagonal A
   * in diagonalEstimate) or normal. Default "rademacher".
   */
  readonly distribution?: ProbeDistribution;
}

/** A Monte Carlo trace estimate with its uncertainty. */
export interface TraceEstimate {
  /** Estimate of tr(A). */
  readonly estimate: number;
  /** Standard error of the estimate from the probes' sample variance (NaN with one probe). */
  readonly standardError: number;
  /** Probe vectors used. */
  readonly probes: number;
  /** Operator products used. */
  readonly products: number;
}

/**
 * tr(A) ≈ (1/m) Σ zᵢᵀAzᵢ with E[zzᵀ] = I (Hutchinson 1989). Unbiased; the standard error is the
 * sample standard deviation over √m, so it shrinks like 1/√m.
 */
export function hutchinson(op: LinearOperator, options: HutchinsonOptions): TraceEstimate {
  const { probes, draw } = probeSource("hutchinson", op, options);
  const samples = new Float64Array(probes);
  for (let i = 0; i < probes; i++) {
    const z = draw();
    samples[i] = dot(z, op.matvec(z));
  }
  const { mean, standardError } = meanAndError(samples);
  return { estimate: mean, standardError, probes, products: probes };
}

/** Options of hutchPlusPlus. */
export interface HutchPlusPlusOptions {
  /** Operator products to spend (at least 3): a third sketches the range, a third projects, the rest probe the remainder. */
  readonly products: number;
  /** Seed or generator. Default 0. */
  readonly seed?: number | Rng;
  /** Sketch and probe entries. Default "rademacher". */
  readonly distribution?: ProbeDistribution;
}

/** A Hutch++ estimate; the error bar covers only the Hutchinson part (the projected part is exact). */
export interface HutchPlusPlusEstimate {
  /** Estimate of tr(A). */
  readonly estimate: number;
  /** Standard error of the residual Hutchinson term (absent with fewer than two probes). */
  readonly standardError?: number;
  /** Operator products actually used (fewer than asked when A's range is smaller than the sketch). */
  readonly products: number;
  /** Rank of the captured range Q. */
  readonly rank: number;
}

/**
 * Hutch++ (Meyer, Musco, Musco & Woodruff 2021, Alg. 1) for square A: Q = orth(AS) captures the
 * top of the spectrum, tr(QᵀAQ) takes it exactly, and Hutchinson estimates only the rest,
 * tr((I−QQᵀ)A(I−QQᵀ)). For a fast-decaying spectrum the error falls like 1/m instead of 1/√m.
 */
export function hutchPlusPlus(op: LinearOperator, options: HutchPlusPlusOptions): HutchPlusPlusEstimate {
  const n = requireSquare("hutchPlusPlus", op);
  const budget = checkCount("hutchPlusPlus", "products", options.products, 3);
  const rng = toRng(options.seed);
  const distribution = options.distribution ?? "rademacher";
  const sketch = Math.floor(budget / 3);
  const probes = budget - 2 * sketch;
  let products = 0;
  // Q = orth(AS); columns that vanish after Gram–Schmidt are dropped (A has lower rank).
  const q: Float64Array[] = [];
  for (let j = 0; j < sketch; j++) {
    const y = op.matvec(randomVector(rng, n, distribution));
    products++;
    const before = norm(y);
    orthogonalize(y, q);
    const after = norm(y);
    if (after > 1e-10 * before && after > 0) q.push(scaleInPlace(1 / after, y));
  }
  let top = 0;
  for (const col of q) {
    top += dot(col, op.matvec(col));
    products++;
  }
  const samples = new Float64Array(probes);
  for (let i = 0; i < probes; i++) {
    const g = randomVector(rng, n, distribution);
    orthogonalize(g, q);
    samples[i] = dot(g, op.matvec(g));
    products++;
  }
  const { mean, standardError } = meanAndError(samples);
  const result = { estimate: top + mean, products, rank: q.length };
  return probes >= 2 ? { ...result, standardError } : result;
}

/** Options of diagonalEstimate: the same probes as hutchinson's. */
export type DiagonalOptions = HutchinsonOptions;

/** A Monte Carlo estimate of diag(A) with per-entry standard errors. */
export interface DiagonalEstimate {
  /** Estimate of a_ii. */
  readonly diagonal: Float64Array;
  /** Per-entry standard error (NaN with one probe). */
  readonly standardError: Float64Array;
  /** Operator products used. */
  readonly products: number;
}

/**
 * diag(A) ≈ (1/m) Σ zᵢ ⊙ Azᵢ (Bekas, Kokiopoulou & Saad 2007). The plain mean is used rather than
 * their ratio with Σ zᵢ ⊙ zᵢ: for Rademacher probes the two coincide, and the mean is unbiased for
 * Gaussian ones too. Entry i has variance Σ_{j≠i} a_ij² / m with Rademacher probes.
 */
export function diagonalEstimate(op: LinearOperator, options: DiagonalOptions): DiagonalEstimate {
  const { n, probes, draw } = probeSource("diagonalEstimate", op, options);
  const mean = new Float64Array(n);
  const m2 = new Float64Array(n);
  for (let s = 1; s <= probes; s++) {
    const z = draw();
    const az = op.matvec(z);
    // Welford's update per entry: stable running mean and sum of squared deviations.
    for (let i = 0; i < n; i++) {
      const x = z[i]! * az[i]!;
      const delta = x - mean[i]!;
      mean[i]! += delta / s;
      m2[i]! += delta * (x - mean[i]!);
    }
  }
  const standardError = new Float64Array(n);
  for (let i = 0; i < n; i++) standardError[i] = probes > 1 ? Math.sqrt(m2[i]! / (probes - 1) / probes) : NaN;
  return { diagonal: mean, standardError, products: probes };
}

/** The checked size of a square A and probe count, and the seeded draw of one probe: where hutchinson and diagonalEstimate start. */
function probeSource(who: string, op: LinearOperator, options: HutchinsonOptions): { n: number; probes: number; draw: () => Float64Array } {
  const n = requireSquare(who, op);
  const probes = checkCount(who, "probes", options.probes, 1);
  const rng = toRng(options.seed);
  const distribution = options.distribution ?? "rademacher";
  return { n, probes, draw: () => randomVector(rng, n, distribution) };
}

function toRng(seed: number | Rng | undefined): Rng {
  return seed instanceof Rng ? seed : new Rng(seed ?? 0);
}

function requireSquare(who: string, op: LinearOperator): number {
  const [rows, cols] = op.shape;
  if (rows !== cols) throw new RangeError(`${who}: operator of shape [${rows}, ${cols}] is not square`);
  return rows;
}

function checkCount(who: string, name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${who}: ${name} must be an integer ≥ ${min}, got ${value}`);
  return value;
}
