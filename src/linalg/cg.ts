/** @file preconditioned conjugate gradients that report negative curvature instead of failing */
import { solveStart, type LinearOperator } from "./linearOperator.js";
import { axpy, dot, norm } from "./vector.js";

/** Why cg stopped. */
export type CgStop = "converged" | "maxIter" | "negativeCurvature" | "stopRule";

/** What cg hands to onIteration and stopRule after each step. */
export interface CgIterate {
  /** Steps taken so far (1 after the first). */
  readonly iteration: number;
  /** The current iterate (live; copy it to keep it). */
  readonly x: Float64Array;
  /** ‖r‖ of the recurrence residual r = b − Ax. */
  readonly residualNorm: number;
  /** The quadratic model ½xᵀAx − bᵀx at x, free from the recurrences (Martens (2010) §4.4). */
  readonly quadratic: number;
}

/** Options of cg. */
export interface CgOptions {
  /** Start point. Default 0. */
  readonly x0?: Float64Array;
  /** Most iterations (one product each). Default 2n. */
  readonly maxIter?: number;
  /** Converged when ‖r‖ ≤ tol·‖b‖. Default 1e-10. */
  readonly tol?: number;
  /** z = M⁻¹r for a symmetric positive definite M (e.g. Jacobi: r_i / a_ii). */
  readonly preconditioner?: (r: Float64Array) => Float64Array;
  /** Called after every step. */
  readonly onIteration?: (state: CgIterate) => void;
  /** Stops early (stop = "stopRule") when it returns true, e.g. Martens's relative-progress rule. */
  readonly stopRule?: (state: CgIterate) => boolean;
}

/** The solution attempt and why it ended. */
export interface CgResult {
  /** Last iterate. */
  readonly x: Float64Array;
  /** Steps taken. */
  readonly iterations: number;
  /** ‖b − Ax‖ by the recurrence (drifts from the true residual only at rounding level). */
  readonly residualNorm: number;
  /** Why it stopped. */
  readonly stop: CgStop;
  /** min pᵀAp / pᵀp over the search directions seen (Infinity if none). */
  readonly curvature: number;
  /** With stop = "negativeCurvature": the direction p with pᵀAp ≤ 0. */
  readonly direction?: Float64Array;
}

/**
 * Solves Ax = b for symmetric A by (preconditioned) conjugate gradients (Hestenes & Stiefel 1952;
 * Nocedal & Wright (2006) Alg. 5.3). If a direction with pᵀAp ≤ 0 appears, A is not positive
 * definite: the iteration stops there, returning the last iterate and p (Steihaug (1983), as
 * Newton-CG and Hessian-free need), rather than dividing by a non-positive curvature.
 */
export function cg(op: LinearOperator, b: Float64Array, options: CgOptions = {}): CgResult {
  const { n, x, r, bnorm } = solveStart("cg", op, b, options.x0);
  const maxIter = options.maxIter ?? 2 * n;
  const tol = options.tol ?? 1e-10;
  const precondition = options.preconditioner ?? ((v: Float64Array) => Float64Array.from(v));
  let rnorm = norm(r);
  let curvature = Infinity;
  if (rnorm <= tol * bnorm || rnorm === 0) return { x, iterations: 0, residualNorm: rnorm, stop: "converged", curvature };
  let z = precondition(r);
  let rz = dot(r, z);
  if (!(rz > 0)) throw new RangeError("cg: the preconditioner is not positive definite (rᵀM⁻¹r ≤ 0)");
  const p = Float64Array.from(z);
  for (let it = 1; it <= maxIter; it++) {
    const ap = op.matvec(p);
    const pap = dot(p, ap);
    const pp = dot(p, p);
    curvature = Math.min(curvature, pap / pp);
    if (!(pap > 0)) {
      return { x, iterations: it - 1, residualNorm: rnorm, stop: "negativeCurvature", curvature, direction: Float64Array.from(p) };
    }
    const alpha = rz / pap;
    axpy(alpha, p, x);
    axpy(-alpha, ap, r);
    rnorm = norm(r);
    let stop: CgStop | null = rnorm <= tol * bnorm ? "converged" : it === maxIter ? "maxIter" : null;
    if (options.onIteration !== undefined || options.stopRule !== undefined) {
      // ½xᵀAx − bᵀx = −½xᵀ(b + r) since Ax = b − r: no extra product.
      let quadratic = 0;
      for (let i = 0; i < n; i++) quadratic -= 0.5 * x[i]! * (b[i]! + r[i]!);
      const state: CgIterate = { iteration: it, x, residualNorm: rnorm, quadratic };
      options.onIteration?.(state);
      if (stop === null && options.stopRule?.(state) === true) stop = "stopRule";
    }
    if (stop !== null) return { x, iterations: it, residualNorm: rnorm, stop, curvature };
    z = precondition(r);
    const rzNext = dot(r, z);
    const beta = rzNext / rz;
    rz = rzNext;
    for (let i = 0; i < n; i++) p[i] = z[i]! + beta * p[i]!;
  }
  return { x, iterations: maxIter, residualNorm: rnorm, stop: "maxIter", curvature };
}
