/** @file spectral analysis of a curvature matrix: extreme eigenpairs, trace, density, class, condition */
import { hutchinson } from "../linalg/trace.js";
import { lanczos } from "../linalg/lanczos.js";
import { countProducts, type LinearOperator } from "../linalg/linearOperator.js";
import { spectralDensity, type SpectralDensity } from "../linalg/spectralDensity.js";
import { classifyCriticalPoint, conditionNumber, type Classification, type ConditionNumber } from "./criticalPoint.js";

/** One eigenvalue with its residual ‖Mq − λq‖. */
export interface Eigenpair {
  readonly value: number;
  readonly residual: number;
  readonly vector: Float64Array;
}

/** Options of analyzeSpectrum. */
export interface SpectrumOptions {
  /** How many of the largest eigenvalues (descending). */
  readonly top: number;
  /** How many of the smallest (algebraic) eigenvalues (ascending); 0 for none. */
  readonly bottom: number;
  /** Hutchinson probes for the trace (0: skip). Default 20. */
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
  /** Called after every operator product with the running count. */
  readonly onProduct?: (count: number, phase: string) => void;
}

/** Everything `spectrum` reports. */
export interface SpectrumReport {
  readonly top: readonly Eigenpair[];
  readonly bottom: readonly Eigenpair[];
  readonly converged: boolean;
  readonly trace: { readonly estimate: number; readonly standardError: number; readonly probes: number } | null;
  readonly density: SpectralDensity | null;
  readonly condition: ConditionNumber;
  readonly classification: Classification;
  /** Operator products used in all. */
  readonly products: number;
  readonly seconds: number;
}

/**
 * Lanczos (full reorthogonalization, thick restarts) for the `top` largest and `bottom` smallest
 * eigenpairs, Hutchinson for the trace, SLQ for the density, then the critical-point class and
 * condition number from the extremes (λmin from `bottom` when asked for, else from `top`).
 */
export function analyzeSpectrum(op: LinearOperator, options: SpectrumOptions): SpectrumReport {
  const start = performance.now();
  let phase = "top";
  const counter = countProducts(op, (count) => options.onProduct?.(count, phase));
  const counted = counter.operator;
  const seed = options.seed ?? 0;
  const n = op.shape[0];
  const run = (k: number, which: "largest" | "smallest"): { pairs: Eigenpair[]; converged: boolean } => {
    if (k === 0) return { pairs: [], converged: true };
    const r = lanczos(counted, {
      k: Math.min(k, n),
      which,
      seed,
      tol: options.tol ?? 1e-8,
      ...(options.maxIter === undefined ? {} : { maxIter: options.maxIter }),
    });
    return {
      pairs: Array.from(r.values, (value, i) => ({ value, residual: r.residuals[i]!, vector: r.vectors[i]! })),
      converged: r.converged,
    };
  };
  const top = run(options.top, "largest");
  phase = "bottom";
  const bottom = run(options.bottom, "smallest");
  phase = "trace";
  const traceProbes = options.traceProbes ?? 20;
  const trace = traceProbes > 0 ? hutchinson(counted, { probes: traceProbes, seed: seed + 1 }) : null;
  phase = "density";
  const densityProbes = options.densityProbes ?? 0;
  const density =
    densityProbes > 0 ? spectralDensity(counted, { probes: densityProbes, steps: Math.min(n, options.densitySteps ?? 40), seed: seed + 2 }) : null;
  const all = [...top.pairs, ...bottom.pairs].map((p) => p.value);
  if (all.length === 0) throw new RangeError("analyzeSpectrum: ask for at least one eigenvalue (top or bottom)");
  const lambdaMax = Math.max(...all);
  const lambdaMin = Math.min(...all);
  return {
    top: top.pairs,
    bottom: bottom.pairs,
    converged: top.converged && bottom.converged,
    trace: trace === null ? null : { estimate: trace.estimate, standardError: trace.standardError, probes: trace.probes },
    density,
    condition: conditionNumber(lambdaMin, lambdaMax),
    classification: classifyCriticalPoint({
      lambdaMin,
      lambdaMax,
      gradientNorm: options.gradientNorm,
      ...(density === null ? {} : { negativeFraction: density.negativeFraction.estimate }),
    }),
    products: counter.count(),
    seconds: (performance.now() - start) / 1000,
  };
}
