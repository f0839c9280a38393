/** @file the lab's text readouts as a pure function of the point's record: what the page shows, testable without a DOM */
import { formatNumber, formatShort } from "./format.js";
import type { PointAnalysis } from "./labModel.js";

/** The strings of the lab's readout panel. */
export interface LabReadout {
  readonly value: string;
  readonly gradient: string;
  readonly gradientNorm: string;
  /** "‖∇f‖ ≤ tol" or "‖∇f‖ > tol", with the tolerance and how it was chosen. */
  readonly criticality: string;
  /** The data-testid="eigenvalues" text: λ₁ ≥ λ₂, nine significant digits, comma separated. */
  readonly eigenvalues: string;
  /** The data-testid="classification" text: minimum, maximum, saddle, degenerate or not critical. */
  readonly classification: string;
  /** The curvature's class where the point is not critical ("curvature here: saddle-like"), else "". */
  readonly curvatureNote: string;
  /** ∇²f's rows, formatted. */
  readonly hessian: readonly (readonly [string, string])[];
  /** Q's rows (columns are the eigenvectors of λ₁, λ₂) for H = QΛQᵀ. */
  readonly q: readonly (readonly [string, string])[];
  readonly explanation: string;
}

/** The readout of one analysed point. */
export function labReadout(a: PointAnalysis): LabReadout {
  const [v1, v2] = a.eigenvectors;
  const critical = a.label !== "not critical";
  const curvatureWord = a.curvature === "unknown" ? "undetermined" : a.curvature === "degenerate" ? "degenerate" : `${a.curvature}-like`;
  return {
    value: formatNumber(a.value),
    gradient: `(${formatNumber(a.gradient[0])}, ${formatNumber(a.gradient[1])})`,
    gradientNorm: formatNumber(a.gradientNorm, 4),
    criticality: `‖∇f‖ ${critical ? "≤" : ">"} ${formatShort(a.gradientTolerance)} (tolerance 1e-5·max|λ|; |λ| ≤ ${formatShort(a.zeroThreshold)} counts as 0)`,
    eigenvalues: a.eigenvalues.map((v) => formatNumber(v)).join(", "),
    classification: a.label,
    curvatureNote: critical ? "" : `curvature here: ${curvatureWord}`,
    hessian: a.hessian.map(([p, q]) => [formatNumber(p, 7), formatNumber(q, 7)] as const),
    q: [
      [formatNumber(v1[0], 5), formatNumber(v2[0], 5)],
      [formatNumber(v1[1], 5), formatNumber(v2[1], 5)],
    ],
    explanation: a.explanation,
  };
}
