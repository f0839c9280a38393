/** @file MINRES: minimum-residual Krylov solver for symmetric, possibly indefinite or singular systems */
import { solveStart, type LinearOperator } from "./linearOperator.js";
import { axpy, dot, norm, scaleInPlace } from "./vector.js";

/** Why minres stopped: "breakdown" means the Krylov space closed before tol was met (A singular, b ∉ range A); x is then the least-squares solution over that space. */
export type MinresStop = "converged" | "maxIter" | "breakdown";

/** Options of minres. */
export interface MinresOptions {
  /** Start point. Default 0. */
  readonly x0?: Float64Array;
  /** Most iterations (one product each). Default 5n. */
  readonly maxIter?: number;
  /** Converged when ‖r‖ ≤ tol·‖b‖. Default 1e-10. */
  readonly tol?: number;
  /** Called after every step with the residual norm from the recurrence. */
  readonly onIteration?: (iteration: number, residualNorm: number) => void;
}

/** The solution attempt and why it ended. */
export interface MinresResult {
  /** Last iterate. */
  readonly x: Float64Array;
  /** Steps taken. */
  readonly iterations: number;
  /** ‖b − Ax‖ by the recurrence |φ̄ₖ|. */
  readonly residualNorm: number;
  /** Why it stopped. */
  readonly stop: MinresStop;
}

/**
 * MINRES (Paige & Saunders 1975): the Lanczos process on r₀ gives AVₖ = Vₖ₊₁T̄ₖ, and xₖ minimizes
 * ‖β₁e₁ − T̄ₖy‖ over the Krylov space. T̄ₖ is reduced by one new Givens rotation per step, so the
 * residual norm |φ̄ₖ| is known without a product and x is updated through the three-term
 * directions W = VR⁻¹. Unlike CG it needs no definiteness.
 */
export function minres(op: LinearOperator, b: Float64Array, options: MinresOptions = {}): MinresResult {
  const { n, x, r: r0, bnorm } = solveStart("minres", op, b, options.x0);
  const maxIter = options.maxIter ?? 5 * n;
  const tol = options.tol ?? 1e-10;
  const beta1 = norm(r0);
  if (beta1 <= tol * bnorm || beta1 === 0) return { x, iterations: 0, residualNorm: beta1, stop: "converged" };

  let vPrev: Float64Array = new Float64Array(n);
  let v: Float64Array = scaleInPlace(1 / beta1, r0);
  let beta = beta1; // β_k, coupling v_{k−1} and v_k
  // Rotations G_{k−2}, G_{k−1}; identity before they exist.
  let cPrev2 = 1;
  let sPrev2 = 0;
  let cPrev = 1;
  let sPrev = 0;
  let phiBar = beta1;
  let anorm = 0; // running estimate of ‖A‖ from the Lanczos coefficients, for rounding-level tests
  let wPrev2: Float64Array = new Float64Array(n);
  let wPrev: Float64Array = new Float64Array(n);
  for (let k = 1; k <= maxIter; k++) {
    // Lanczos step: β_{k+1}v_{k+1} = Av_k − α_k v_k − β_k v_{k−1}.
    const p = op.matvec(v);
    if (k > 1) axpy(-beta, vPrev, p);
    const alpha = dot(v, p);
    axpy(-alpha, v, p);
    let betaNext = norm(p);
    anorm = Math.max(anorm, Math.hypot(alpha, beta, betaNext));
    // β_{k+1} at rounding level means the Krylov space is invariant; taking it as exactly zero keeps
    // a singular T̄ from producing a huge, meaningless step through a tiny γ_k below.
    const invariant = betaNext <= 1e-14 * anorm;
    if (invariant) betaNext = 0;
    // Column k of T̄ is (β_k, α_k, β_{k+1}) on rows k−1, k, k+1; apply G_{k−2} and G_{k−1} to it.
    const upper = k > 1 ? beta : 0;
    const epsilon = sPrev2 * upper;
    const deltaBar = cPrev2 * upper;
    const delta = cPrev * deltaBar + sPrev * alpha;
    const gammaBar = cPrev * alpha - sPrev * deltaBar;
    // New rotation G_k annihilates β_{k+1}.
    const gamma = Math.hypot(gammaBar, betaNext);
    if (gamma <= 1e-14 * anorm) {
      // T̄ₖ singular with a zero last row: the Krylov space closed on an incompatible system.
      return { x, iterations: k, residualNorm: Math.abs(phiBar), stop: "breakdown" };
    }
    const c = gammaBar / gamma;
    const s = betaNext / gamma;
    const phi = c * phiBar;
    phiBar = -s * phiBar;
    // w_k = (v_k − δ_k w_{k−1} − ε_k w_{k−2}) / γ_k;  x_k = x_{k−1} + φ_k w_k.
    const w = Float64Array.from(v);
    axpy(-delta, wPrev, w);
    axpy(-epsilon, wPrev2, w);
    scaleInPlace(1 / gamma, w);
    axpy(phi, w, x);
    const residualNorm = Math.abs(phiBar);
    options.onIteration?.(k, residualNorm);
    if (residualNorm <= tol * bnorm) return { x, iterations: k, residualNorm, stop: "converged" };
    // β_{k+1} ≈ 0: invariant Krylov space; x is the minimum-residual solution in it.
    if (invariant) return { x, iterations: k, residualNorm, stop: "breakdown" };
    wPrev2 = wPrev;
    wPrev = w;
    cPrev2 = cPrev;
    sPrev2 = sPrev;
    cPrev = c;
    sPrev = s;
    vPrev = v;
    v = scaleInPlace(1 / betaNext, p);
    beta = betaNext;
  }
  return { x, iterations: maxIter, residualNorm: Math.abs(phiBar), stop: "maxIter" };
}
