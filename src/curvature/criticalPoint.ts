/** @file what the curvature says about a point: critical-point class and condition number */

/**
 * The report's classification of a critical point by the signs of the Hessian's eigenvalues;
 * "unknown" when an end of the spectrum that decides it was not computed.
 */
export type CriticalPointKind = "minimum" | "maximum" | "saddle" | "degenerate" | "unknown";

/** Inputs of classifyCriticalPoint: extreme eigenvalues (null where not computed) and the gradient norm. */
export interface ClassifyInput {
  /** The smallest (algebraic) eigenvalue, or null if the bottom of the spectrum was not computed. */
  readonly lambdaMin: number | null;
  /** The largest (algebraic) eigenvalue, or null if the top of the spectrum was not computed. */
  readonly lambdaMax: number | null;
  /** ‖∇L‖ at the point. */
  readonly gradientNorm: number;
  /** Estimated fraction of negative eigenvalues (from a spectral density), for large p. */
  readonly negativeFraction?: number;
}

/** Tolerances of classifyCriticalPoint. */
export interface ClassifyOptions {
  /** |λ| ≤ eigenTolerance·‖H‖ counts as zero (default 1e-6; ‖H‖ = max |λ|); ignored when zeroThreshold is given. */
  readonly eigenTolerance?: number;
  /** |λ| ≤ zeroThreshold counts as zero: an absolute threshold, e.g. the eigensolver's resolution. */
  readonly zeroThreshold?: number;
  /**
   * ‖∇L‖ ≤ gradientTolerance·max|λ| counts as critical (default 1e-6). Relative to the curvature's
   * scale: ‖∇L‖/λmax is how far the critical point would be if the gradient lay along the stiffest
   * direction, so the tolerance is a distance in θ, and rescaling L (by a sum instead of a mean, say)
   * leaves the verdict unchanged. Where every computed λ is 0 only ‖∇L‖ = 0 is critical.
   */
  readonly gradientTolerance?: number;
}

/** The classification with the numbers behind it. */
export interface Classification {
  /** The class of the curvature at this point (of the critical point if `critical`). */
  readonly kind: CriticalPointKind;
  /** Whether the gradient vanishes to tolerance; if not, `kind` describes the local curvature only. */
  readonly critical: boolean;
  readonly lambdaMin: number | null;
  readonly lambdaMax: number | null;
  readonly gradientNorm: number;
  /** The threshold below which |λ| was treated as zero. */
  readonly zeroThreshold: number;
  /** The threshold ‖∇L‖ was compared with: gradientTolerance·max|λ|. */
  readonly gradientThreshold: number;
  readonly negativeFraction?: number;
  /** One sentence for people. */
  readonly explanation: string;
}

const fmt = (x: number | null): string => (x === null ? "not computed" : x.toExponential(3));

/**
 * Second-derivative test (the report's §2): all eigenvalues > 0 → minimum, all < 0 → maximum,
 * both signs → saddle; when the extreme eigenvalues have one sign but some are zero to tolerance
 * the test is inconclusive → degenerate (e.g. the monkey saddle x³ − 3xy²). An end of the spectrum
 * that was not computed decides nothing: the largest eigenvalues alone cannot show a saddle, so
 * without λmin the class is "unknown" unless λmax < 0 already proves a maximum (and likewise λmin > 0
 * a minimum without λmax).
 */
export function classifyCriticalPoint(input: ClassifyInput, options: ClassifyOptions = {}): Classification {
  const { lambdaMin, lambdaMax, gradientNorm } = input;
  const known = [lambdaMin, lambdaMax].filter((x): x is number => x !== null);
  if (![...known, gradientNorm].every(Number.isFinite)) {
    throw new RangeError(`classifyCriticalPoint: non-finite input (λmin ${lambdaMin}, λmax ${lambdaMax}, ‖g‖ ${gradientNorm})`);
  }
  if (known.length === 0) throw new RangeError("classifyCriticalPoint: neither λmin nor λmax was given");
  const scale = Math.max(...known.map(Math.abs));
  const zero = options.zeroThreshold ?? (options.eigenTolerance ?? 1e-6) * scale;
  const gradientThreshold = (options.gradientTolerance ?? 1e-6) * scale;
  const critical = gradientNorm <= gradientThreshold;
  let kind: CriticalPointKind;
  if (lambdaMin !== null && lambdaMin > zero) kind = "minimum";
  else if (lambdaMax !== null && lambdaMax < -zero) kind = "maximum";
  else if (lambdaMin === null || lambdaMax === null) kind = "unknown";
  else if (lambdaMin < -zero && lambdaMax > zero) kind = "saddle";
  else kind = "degenerate";
  const where = critical ? "critical point" : `point that is not critical (‖∇L‖ = ${gradientNorm.toExponential(3)} > ${gradientThreshold.toExponential(2)})`;
  const because: Record<CriticalPointKind, string> = {
    minimum: "every eigenvalue is positive",
    maximum: "every eigenvalue is negative",
    saddle: "eigenvalues of both signs",
    degenerate: `some eigenvalues are zero to tolerance (|λ| ≤ ${zero.toExponential(2)}), so the second-order test is inconclusive`,
    unknown: `the ${lambdaMin === null ? "smallest" : "largest"} eigenvalue was not computed, and the other end alone cannot tell`,
  };
  const label = kind === "degenerate" || kind === "unknown" ? kind : `${kind}-like`;
  return {
    kind,
    critical,
    lambdaMin,
    lambdaMax,
    gradientNorm,
    zeroThreshold: zero,
    gradientThreshold,
    ...(input.negativeFraction === undefined ? {} : { negativeFraction: input.negativeFraction }),
    explanation: `${label} ${where}: ${because[kind]} (λmin ${lambdaMin === null ? "not computed" : `= ${fmt(lambdaMin)}`}, λmax ${lambdaMax === null ? "not computed" : `= ${fmt(lambdaMax)}`})`,
  };
}

/** The condition number κ = λmax/λmin, or null with the reason it has no finite value. */
export interface ConditionNumber {
  /** λmax/λmin when both are known and λmin is positive beyond the zero threshold; else null. */
  readonly exact: number | null;
  /** Why `exact` is what it is: "positive definite", "singular: … κ = ∞", "indefinite: …", "not computed: …". */
  readonly reason: string;
}

/**
 * κ = λmax/λmin for a positive-definite matrix. A λmin at or below `zeroThreshold` (the solver's
 * resolution) means the matrix is singular to that resolution: κ = ∞, reported as null with that
 * reason — never the ratio of λmax to a rounding error. (A damped κ_δ = (λmax+δ)/(λmin+δ) is not
 * reported: for any singular matrix it is ≈ λmax/δ, a statement about δ rather than the matrix.)
 */
export function conditionNumber(lambdaMin: number | null, lambdaMax: number | null, zeroThreshold = 0): ConditionNumber {
  if (lambdaMin === null) return { exact: null, reason: "not computed: the smallest eigenvalue was not computed (ask for at least one bottom eigenvalue)" };
  if (lambdaMax === null) return { exact: null, reason: "not computed: the largest eigenvalue was not computed (ask for at least one top eigenvalue)" };
  if (lambdaMin < -zeroThreshold) return { exact: null, reason: `indefinite: λmin = ${fmt(lambdaMin)} < 0, so κ = λmax/λmin is not defined` };
  if (lambdaMin <= zeroThreshold) {
    return { exact: null, reason: `singular: λmin = ${fmt(lambdaMin)} is zero to the solver's resolution (${zeroThreshold.toExponential(2)}), so κ = ∞` };
  }
  return { exact: lambdaMax / lambdaMin, reason: "positive definite: κ = λmax/λmin" };
}
