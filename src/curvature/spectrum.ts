/** @file spectral analysis of a curvature matrix: extreme eigenpairs, trace, density, class, condition */
import { denseSpectrum, DENSE_SPECTRUM_LIMIT } from "../linalg/denseSpectrum.js";
import { hutchinson } from "../linalg/trace.js";
import { lanczos, lanczosProductLimit } from "../linalg/lanczos.js";
import { countProducts, type LinearOperator } from "../linalg/linearOperator.js";
import { spectralDensity, type SpectralDensity } from "../linalg/spectralDensity.js";
import { classifyCriticalPoint, conditionNumber, type Classification, type ClassifyOptions, type ConditionNumber } from "./criticalPoint.js";

/** One eigenvalue with its residual ‖Mq − λq‖. */
export interface Eigenpair {
  readonly value: number;
  readonly residual: number;
  readonly vector: Float64Array;
  /** |λ| ≤ max(residual, resolution): the sign of λ is not resolved, λ is zero to tolerance. */
  readonly zero: boolean;
}

/** How the eigenvalues were found: every one from a dense eigh, or the wanted ones by Lanczos. */
export type SpectrumMethod = "dense" | "lanczos";

/** Options of analyzeSpectrum. */
export interface SpectrumOptions {
  /** How many of the largest eigenvalues (descending). */
  readonly top: number;
  /** How many of the smallest (algebraic) eigenvalues (ascending); 0 for none. */
  readonly bottom: number;
  /** "auto" (default): dense when p ≤ denseLimit, else Lanczos. */
  readonly method?: SpectrumMethod | "auto";
  /** Largest p for which "auto" forms the matrix (default DENSE_SPECTRUM_LIMIT = 2000). */
  readonly denseLimit?: number;
  /** Hutchinson probes for the trace (0: skip; the dense route's trace is exact). Default 20. */
  readonly traceProbes?: number;
  /** Stochastic Lanczos quadrature probes for the density (0: skip). Default 0. */
  readonly densityProbes?: number;
  /** Lanczos steps per density probe. Default 40. */
  readonly densitySteps?: number;
  /** Lanczos tolerance (relative to ‖M‖). Default 1e-8. */
  readonly tol?: number;
  /** Most Lanczos expansion products per run. */
  readonly maxIter?: number;
  readonly seed?: number;
  /** ‖∇L‖, for the classification. */
  readonly gradientNorm: number;
  /** Tolerances of the classification (the zero threshold defaults to the solver's resolution). */
  readonly classify?: ClassifyOptions;
  /** Called after every operator product with the running count and the phase's total (for Lanczos, its product limit: an upper bound). */
  readonly onProduct?: (count: number, phase: string, total?: number) => void;
}

/** Everything `spectrum` reports. */
export interface SpectrumReport {
  readonly method: SpectrumMethod;
  readonly top: readonly Eigenpair[];
  readonly bottom: readonly Eigenpair[];
  /** The smallest eigenvalue, or null if it was not computed (Lanczos with bottom 0). */
  readonly lambdaMin: number | null;
  /** The largest eigenvalue, or null if it was not computed (Lanczos with top 0). */
  readonly lambdaMax: number | null;
  /**
   * The rounding floor below which no eigenvalue is resolved: the dense route measures it (the
   * operator's asymmetry, eigh's backward error); Lanczos uses 8·n·ε·‖M‖, and each pair's residual on top.
   */
  readonly resolution: number;
  readonly converged: boolean;
  /** The trace: exact (dense route, standardError 0, probes 0) or a Hutchinson estimate. */
  readonly trace: { readonly estimate: number; readonly standardError: number; readonly probes: number; readonly exact: boolean } | null;
  readonly density: SpectralDensity | null;
  readonly condition: ConditionNumber;
  readonly classification: Classification;
  /** Operator products used in all. */
  readonly products: number;
  readonly seconds: number;
}

interface Extremes {
  readonly top: Eigenpair[];
  readonly bottom: Eigenpair[];
  readonly lambdaMin: Eigenpair | null;
  readonly lambdaMax: Eigenpair | null;
  readonly resolution: number;
  readonly converged: boolean;
  readonly trace: number | null;
}

const isZero = (value: number, residual: number, resolution: number): boolean => Math.abs(value) <= Math.max(residual, resolution);

/** Every eigenvalue by eigh on the formed matrix; the wanted ends are read off it. */
function denseExtremes(op: LinearOperator, top: number, bottom: number): Extremes {
  const d = denseSpectrum(op);
  const n = op.shape[0];
  const pair = (j: number): Eigenpair => {
    const vector = new Float64Array(n);
    for (let i = 0; i < n; i++) vector[i] = d.vectors[i * n + j]!;
    return { value: d.values[j]!, residual: d.residuals[j]!, vector, zero: isZero(d.values[j]!, d.residuals[j]!, d.resolution) };
  };
  return {
    top: Array.from({ length: Math.min(top, n) }, (_, i) => pair(n - 1 - i)),
    bottom: Array.from({ length: Math.min(bottom, n) }, (_, i) => pair(i)),
    lambdaMin: pair(0),
    lambdaMax: pair(n - 1),
    resolution: d.resolution,
    converged: true,
    trace: d.trace,
  };
}

/** The wanted ends by Lanczos; an end not asked for stays unknown. */
function lanczosExtremes(op: LinearOperator, options: SpectrumOptions, setPhase: (phase: string, total?: number) => void): Extremes {
  const n = op.shape[0];
  const run = (k: number, which: "largest" | "smallest"): { pairs: { value: number; residual: number; vector: Float64Array }[]; converged: boolean } => {
    if (k === 0) return { pairs: [], converged: true };
    const r = lanczos(op, {
      k: Math.min(k, n),
      which,
      seed: options.seed ?? 0,
      tol: options.tol ?? 1e-8,
      ...(options.maxIter === undefined ? {} : { maxIter: options.maxIter }),
    });
    return { pairs: Array.from(r.values, (value, i) => ({ value, residual: r.residuals[i]!, vector: r.vectors[i]! })), converged: r.converged };
  };
  // the phase totals are upper bounds: Lanczos usually converges well before its product limit
  const limit = (k: number): number => lanczosProductLimit(n, { k: Math.max(1, Math.min(k, n)), ...(options.maxIter === undefined ? {} : { maxIter: options.maxIter }) });
  setPhase("top", limit(options.top));
  const top = run(options.top, "largest");
  setPhase("bottom", limit(options.bottom));
  const bottom = run(options.bottom, "smallest");
  const scale = Math.max(0, ...[...top.pairs, ...bottom.pairs].map((p) => Math.abs(p.value)));
  // The products' rounding is unmeasured here; 8·n·ε·‖M‖ is the floor a dense solve would reach.
  const resolution = 8 * n * Number.EPSILON * scale;
  const mark = (p: { value: number; residual: number; vector: Float64Array }): Eigenpair => ({ ...p, zero: isZero(p.value, p.residual, resolution) });
  const topPairs = top.pairs.map(mark);
  const bottomPairs = bottom.pairs.map(mark);
  return {
    top: topPairs,
    bottom: bottomPairs,
    lambdaMin: bottomPairs[0] ?? null,
    lambdaMax: topPairs[0] ?? null,
    resolution,
    converged: top.converged && bottom.converged,
    trace: null,
  };
}

/**
 * The `top` largest and `bottom` smallest eigenpairs — for p ≤ denseLimit from a dense eigh of the
 * formed matrix (p products; every eigenvalue, so λmin is known even with bottom 0), else by Lanczos
 * (full reorthogonalization, thick restarts) — Hutchinson for the trace, SLQ for the density, then
 * the critical-point class and condition number from λmin and λmax where they were computed.
 * Eigenvalues within max(residual, resolution) of zero are zero to tolerance: a singular matrix has
 * κ = ∞ rather than λmax over a rounding error.
 */
export function analyzeSpectrum(op: LinearOperator, options: SpectrumOptions): SpectrumReport {
  const start = performance.now();
  const n = op.shape[0];
  if (options.top + options.bottom === 0) throw new RangeError("analyzeSpectrum: ask for at least one eigenvalue (top or bottom)");
  const method: SpectrumMethod = options.method === undefined || options.method === "auto" ? (n <= (options.denseLimit ?? DENSE_SPECTRUM_LIMIT) ? "dense" : "lanczos") : options.method;
  let phase: string = method;
  let total: number | undefined = method === "dense" ? n : undefined;
  let phaseStart = 0;
  const counter = countProducts(op, (count) => options.onProduct?.(count - phaseStart, phase, total));
  const setPhase = (next: string, nextTotal?: number): void => {
    phase = next;
    total = nextTotal;
    phaseStart = counter.count();
  };
  const counted = counter.operator;
  const seed = options.seed ?? 0;
  const ends = method === "dense" ? denseExtremes(counted, options.top, options.bottom) : lanczosExtremes(counted, options, setPhase);
  const traceProbes = options.traceProbes ?? 20;
  let trace: SpectrumReport["trace"] = null;
  if (ends.trace !== null) trace = { estimate: ends.trace, standardError: 0, probes: 0, exact: true };
  else if (traceProbes > 0) {
    setPhase("trace", traceProbes);
    const t = hutchinson(counted, { probes: traceProbes, seed: seed + 1 });
    trace = { estimate: t.estimate, standardError: t.standardError, probes: t.probes, exact: false };
  }
  const densityProbes = options.densityProbes ?? 0;
  const densitySteps = Math.min(n, options.densitySteps ?? 40);
  setPhase("density", densityProbes * densitySteps);
  const density = densityProbes > 0 ? spectralDensity(counted, { probes: densityProbes, steps: densitySteps, seed: seed + 2 }) : null;
  const lambdaMin = ends.lambdaMin?.value ?? null;
  const lambdaMax = ends.lambdaMax?.value ?? null;
  // An extreme eigenvalue is resolved only beyond its own residual as well as the rounding floor.
  const threshold = (p: Eigenpair | null): number => Math.max(ends.resolution, p?.residual ?? 0);
  const zeroThreshold = Math.max(threshold(ends.lambdaMin), threshold(ends.lambdaMax));
  return {
    method,
    top: ends.top,
    bottom: ends.bottom,
    lambdaMin,
    lambdaMax,
    resolution: ends.resolution,
    converged: ends.converged,
    trace,
    density,
    condition: conditionNumber(lambdaMin, lambdaMax, threshold(ends.lambdaMin)),
    classification: classifyCriticalPoint(
      { lambdaMin, lambdaMax, gradientNorm: options.gradientNorm, ...(density === null ? {} : { negativeFraction: density.negativeFraction.estimate }) },
      { zeroThreshold, ...options.classify },
    ),
    products: counter.count(),
    seconds: (performance.now() - start) / 1000,
  };
}
