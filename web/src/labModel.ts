/** @file the Function lab's view model: a point's value, exact gradient and Hessian, eigenpairs and class, as a plain record */
import { classifyCriticalPoint, grad, hessian, linalg, tensor, type CriticalPointKind } from "../../src/index.js";
import { labFunction, scalarForm, type FunctionName, type QuadraticParams } from "./functions.js";

/** The class the lab shows: the curvature's class at a critical point, else "not critical". */
export type LabClass = "minimum" | "maximum" | "saddle" | "degenerate" | "not critical";

/** What the lab asks about: a function (with the quadratic's sliders) and a point. */
export interface LabQuery {
  readonly fn: FunctionName;
  readonly quadratic: QuadraticParams;
  readonly x: number;
  readonly y: number;
}

/** Everything the lab draws about one point, computed exactly (autodiff, dense eigh). */
export interface PointAnalysis {
  readonly value: number;
  readonly gradient: readonly [number, number];
  readonly gradientNorm: number;
  /** ∇²f as [[fxx, fxy], [fyx, fyy]]. */
  readonly hessian: readonly [readonly [number, number], readonly [number, number]];
  /** Eigenvalues in descending order, λ₁ ≥ λ₂. */
  readonly eigenvalues: readonly [number, number];
  /** Unit eigenvectors, eigenvectors[i] belonging to eigenvalues[i]. */
  readonly eigenvectors: readonly [readonly [number, number], readonly [number, number]];
  /** The class shown in the page. */
  readonly label: LabClass;
  /** The curvature's own class, also where the point is not critical ("saddle-like curvature"). */
  readonly curvature: CriticalPointKind;
  /** ‖∇f‖ at or below this (GRADIENT_RESOLUTION·max|λ|) counts as critical. */
  readonly gradientTolerance: number;
  /** |λ| at or below this counts as zero. */
  readonly zeroThreshold: number;
  /** The library's sentence about the class. */
  readonly explanation: string;
}

/**
 * ‖∇f‖ ≤ GRADIENT_RESOLUTION·max|λ| counts as critical (classifyCriticalPoint's relative test):
 * ‖∇f‖/λmax is how far the critical point would be along the stiffest direction, so this says
 * "within 1e-5 of a critical point". An absolute 1e-6 would call the points people paste into a URL
 * with six decimals (an error of 5e-7 in each coordinate, so ‖∇f‖ ≈ ‖H‖·7e-7) "not critical".
 */
export const GRADIENT_RESOLUTION = 1e-5;

/**
 * |λ| ≤ EIGEN_RESOLUTION·max(1, ‖H‖₂) counts as zero. The floor of 1 keeps a point a hair from the
 * monkey saddle's origin (H ≈ 6·10⁻⁹·diag(1, −1)) degenerate rather than a saddle: relative to the
 * lab's O(1) scales such a Hessian is zero.
 */
export const EIGEN_RESOLUTION = 1e-6;

/** Analyzes f at (x, y): exact ∇f and ∇²f from the library's autodiff, eigenpairs from its dense eigh. */
export function analyzePoint(q: LabQuery): PointAnalysis {
  const f = scalarForm(labFunction(q.fn, q.quadratic));
  const p = tensor([q.x, q.y]);
  const value = f(p).item();
  const [gx, gy] = grad(f)(p).toArray() as [number, number];
  const h = Float64Array.from(hessian(f)(p).data());
  // autodiff's two mixed partials agree to rounding; average them so eigh sees an exactly symmetric matrix
  const off = (h[1]! + h[2]!) / 2;
  const sym = Float64Array.of(h[0]!, off, off, h[3]!);
  const { values, vectors } = linalg.eigh(sym, 2);
  // eigh is ascending; the lab (and its data-testid contract) lists λ₁ ≥ λ₂
  const eigenvalues = [values[1]!, values[0]!] as const;
  const eigenvectors = [
    [vectors[1]!, vectors[3]!],
    [vectors[0]!, vectors[2]!],
  ] as const;
  const gradientNorm = Math.hypot(gx, gy);
  const zeroThreshold = EIGEN_RESOLUTION * Math.max(1, Math.abs(eigenvalues[0]), Math.abs(eigenvalues[1]));
  const c = classifyCriticalPoint(
    { lambdaMin: eigenvalues[1], lambdaMax: eigenvalues[0], gradientNorm },
    { zeroThreshold, gradientTolerance: GRADIENT_RESOLUTION },
  );
  const curvature = c.kind;
  return {
    value,
    gradient: [gx, gy],
    gradientNorm,
    hessian: [
      [sym[0]!, off],
      [off, sym[3]!],
    ],
    eigenvalues,
    eigenvectors,
    label: c.critical ? (curvature === "unknown" ? "degenerate" : curvature) : "not critical",
    curvature,
    gradientTolerance: c.gradientThreshold,
    zeroThreshold,
    explanation: c.explanation,
  };
}

/**
 * The second-order Taylor model at `a`'s point, q(d) = f + ∇fᵀd + ½ dᵀHd, evaluated at the points
 * (xs[i], ys[i]) — the overlay's grid.
 */
export function taylorValues(a: PointAnalysis, at: readonly [number, number], xs: Float64Array, ys: Float64Array): Float64Array {
  const out = new Float64Array(xs.length);
  const [[hxx, hxy], [, hyy]] = a.hessian;
  for (let i = 0; i < xs.length; i++) {
    const dx = xs[i]! - at[0];
    const dy = ys[i]! - at[1];
    out[i] = a.value + a.gradient[0] * dx + a.gradient[1] * dy + 0.5 * (hxx * dx * dx + 2 * hxy * dx * dy + hyy * dy * dy);
  }
  return out;
}
