/** @file what the curvature says about a point: critical-point class and condition number */

/** The report's classification of a critical point by the signs of the Hessian's eigenvalues. */
export type CriticalPointKind = "minimum" | "maximum" | "saddle" | "degenerate";

/** Inputs of classifyCriticalPoint: extreme eigenvalues and the gradient norm. */
export interface ClassifyInput {
  /** The smallest (algebraic) eigenvalue found. */
  readonly lambdaMin: number;
  /** The largest (algebraic) eigenvalue found. */
  readonly lambdaMax: number;
  /** ‖∇L‖ at the point. */
  readonly gradientNorm: number;
  /** Estimated fraction of negative eigenvalues (from a spectral density), for large p. */
  readonly negativeFraction?: number;
}

/** Tolerances of classifyCriticalPoint. */
export interface ClassifyOptions {
  /** |λ| ≤ eigenTolerance·‖H‖ counts as zero (default 1e-6; ‖H‖ = max |λ|). */
  readonly eigenTolerance?: number;
  /** ‖∇L‖ ≤ gradientTolerance counts as critical (default 1e-6). */
  readonly gradientTolerance?: number;
}

/** The classification with the numbers behind it. */
export interface Classification {
  /** The class of the curvature at this point (of the critical point if `critical`). */
  readonly kind: CriticalPointKind;
  /** Whether the gradient vanishes to tolerance; if not, `kind` describes the local curvature only. */
  readonly critical: boolean;
  readonly lambdaMin: number;
  readonly lambdaMax: number;
  readonly gradientNorm: number;
  /** The threshold below which |λ| was treated as zero. */
  readonly zeroThreshold: number;
  readonly negativeFraction?: number;
  /** One sentence for people. */
  readonly explanation: string;
}

/**
 * Second-derivative test (the report's §2): all eigenvalues > 0 → minimum, all < 0 → maximum,
 * both signs → saddle; when the extreme eigenvalues have one sign but some are zero to tolerance
 * (|λ| ≤ tol·‖H‖) the test is inconclusive → degenerate (e.g. the monkey saddle x³ − 3xy²).
 */
export function classifyCriticalPoint(input: ClassifyInput, options: ClassifyOptions = {}): Classification {
  const { lambdaMin, lambdaMax, gradientNorm } = input;
  if (![lambdaMin, lambdaMax, gradientNorm].every(Number.isFinite)) {
    throw new RangeError(`classifyCriticalPoint: non-finite input (λmin ${lambdaMin}, λmax ${lambdaMax}, ‖g‖ ${gradientNorm})`);
  }
  const scale = Math.max(Math.abs(lambdaMin), Math.abs(lambdaMax));
  const zero = (options.eigenTolerance ?? 1e-6) * scale;
  const critical = gradientNorm <= (options.gradientTolerance ?? 1e-6);
  let kind: CriticalPointKind;
  if (lambdaMin < -zero && lambdaMax > zero) kind = "saddle";
  else if (lambdaMin > zero) kind = "minimum";
  else if (lambdaMax < -zero) kind = "maximum";
  else kind = "degenerate";
  const where = critical ? "critical point" : `point that is not critical (‖∇L‖ = ${gradientNorm.toExponential(3)})`;
  const because: Record<CriticalPointKind, string> = {
    minimum: "every eigenvalue is positive",
    maximum: "every eigenvalue is negative",
    saddle: "eigenvalues of both signs",
    degenerate: "some eigenvalues are zero to tolerance, so the second-order test is inconclusive",
  };
  return {
    kind,
    critical,
    lambdaMin,
    lambdaMax,
    gradientNorm,
    zeroThreshold: zero,
    ...(input.negativeFraction === undefined ? {} : { negativeFraction: input.negativeFraction }),
    explanation: `${kind === "degenerate" ? "degenerate" : `${kind}-like`} ${where}: ${because[kind]} (λmin = ${lambdaMin.toExponential(3)}, λmax = ${lambdaMax.toExponential(3)})`,
  };
}

/** Condition numbers from the extreme eigenvalues. */
export interface ConditionNumber {
  /** λmax/λmin when positive definite (λmin > 0), else null (not defined). */
  readonly exact: number | null;
  /** (λmax + δ)/(λmin + δ) with damping δ ≥ 0 — what a damped solver sees; null if λmin + δ ≤ 0. */
  readonly damped: number | null;
  readonly damping: number;
}

/**
 * κ = λmax/λmin for a positive-definite matrix, and the damped κ_δ = (λmax+δ)/(λmin+δ), which stays
 * finite for a PSD GGN with zero eigenvalues (δ defaults to 1e-4·λmax).
 */
export function conditionNumber(lambdaMin: number, lambdaMax: number, damping?: number): ConditionNumber {
  const delta = damping ?? 1e-4 * Math.abs(lambdaMax);
  return {
    exact: lambdaMin > 0 ? lambdaMax / lambdaMin : null,
    damped: lambdaMin + delta > 0 ? (lambdaMax + delta) / (lambdaMin + delta) : null,
    damping: delta,
  };
}
