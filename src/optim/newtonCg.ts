/** @file truncated Newton: Newton-CG with the Steihaug trust region (Nocedal & Wright (2006) Alg. 7.2 inside Alg. 4.1) */
import type { LinearOperator } from "../linalg/linearOperator.js";
import { axpy, dot, norm } from "../linalg/vector.js";
import type { CurvatureChoice, OptimizerInfo, Transform } from "./transform.js";

/** Why Steihaug's CG stopped. */
export type SteihaugStop = "converged" | "negativeCurvature" | "boundary" | "maxIter";

/** The approximate trust-region step and why CG ended. */
export interface SteihaugResult {
  readonly step: Float64Array;
  readonly iterations: number;
  readonly stop: SteihaugStop;
}

/**
 * Approximately minimizes m(p) = gᵀp + ½pᵀBp over ‖p‖ ≤ Δ by CG from p = 0 (Steihaug 1983;
 * Nocedal & Wright (2006) Alg. 7.2): stops at ‖r‖ ≤ tol, or goes to the boundary along the current
 * direction when it meets negative curvature or would leave the region.
 */
export function steihaugCg(B: LinearOperator, g: Float64Array, radius: number, tol: number, maxIter: number): SteihaugResult {
  const n = g.length;
  const z = new Float64Array(n);
  const r = Float64Array.from(g);
  const d = g.map((x) => -x);
  if (norm(r) <= tol) return { step: z, iterations: 0, stop: "converged" };
  let rr = dot(r, r);
  for (let j = 0; j < maxIter; j++) {
    const bd = B.matvec(d);
    const dBd = dot(d, bd);
    if (dBd <= 0) return { step: toBoundary(z, d, radius, B, g), iterations: j + 1, stop: "negativeCurvature" };
    const alpha = rr / dBd;
    const next = Float64Array.from(z);
    axpy(alpha, d, next);
    if (norm(next) >= radius) return { step: boundaryPoint(z, d, radius), iterations: j + 1, stop: "boundary" };
    z.set(next);
    axpy(alpha, bd, r);
    const rrNext = dot(r, r);
    if (Math.sqrt(rrNext) <= tol) return { step: z, iterations: j + 1, stop: "converged" };
    const beta = rrNext / rr;
    rr = rrNext;
    for (let i = 0; i < n; i++) d[i] = -r[i]! + beta * d[i]!;
  }
  return { step: z, iterations: maxIter, stop: "maxIter" };
}

/** The root τ ≥ 0 of ‖z + τd‖ = Δ, and z + τd. */
function boundaryPoint(z: Float64Array, d: Float64Array, radius: number): Float64Array {
  const a = dot(d, d);
  const b = 2 * dot(z, d);
  const c = dot(z, z) - radius * radius;
  const tau = (-b + Math.sqrt(Math.max(b * b - 4 * a * c, 0))) / (2 * a);
  const out = Float64Array.from(z);
  return axpy(tau, d, out);
}

/** On negative curvature both boundary points along ±d are candidates; keep the lower model value. */
function toBoundary(z: Float64Array, d: Float64Array, radius: number, B: LinearOperator, g: Float64Array): Float64Array {
  const model = (p: Float64Array): number => dot(g, p) + 0.5 * dot(p, B.matvec(p));
  const plus = boundaryPoint(z, d, radius);
  const minus = boundaryPoint(z, d.map((x) => -x), radius);
  return model(plus) <= model(minus) ? plus : minus;
}

/** Options of newtonCg. */
export interface NewtonCgOptions {
  readonly curvature?: CurvatureChoice;
  /** Initial trust radius Δ₀ (1). */
  readonly radius?: number;
  /** Largest radius (1e4). */
  readonly maxRadius?: number;
  /** Accept a step when ρ > η (0.1; Nocedal & Wright allow η ∈ [0, 1/4)). */
  readonly eta?: number;
  /** Most CG iterations per update (default 2p… capped at 250). */
  readonly maxIter?: number;
  /** Rejected steps in a row that make a stall (20: the radius has shrunk by 4²⁰ ≈ 10¹²). */
  readonly maxRejections?: number;
}

/** State of newtonCg: the trust radius and what the last update did. */
export type NewtonCgState = {
  readonly radius: number;
  readonly rho: number;
  readonly cgIterations: number;
  readonly cgStop: string;
  readonly accepted: boolean;
  /** Steps rejected in a row. */
  readonly rejections: number;
};

/**
 * Trust-region Newton-CG: Steihaug's CG solves the Newton system with the forcing tolerance
 * ‖r‖ ≤ min(½, √‖g‖)·‖g‖ (superlinear convergence, Nocedal & Wright (2006) Thm 7.2); the radius
 * follows Alg. 4.1 (quarter on ρ < ¼, double on ρ > ¾ at the boundary). A rejected step is a zero
 * step, so f never increases. maxRejections rejections in a row are a stall: ρ has been noise for
 * that long, the radius has collapsed, and no step in it changes f beyond rounding.
 */
export function newtonCg(options: NewtonCgOptions = {}): Transform<NewtonCgState> {
  const kind = options.curvature ?? "hessian";
  const maxRadius = options.maxRadius ?? 1e4;
  const eta = options.eta ?? 0.1;
  const maxRejections = options.maxRejections ?? 20;
  return {
    init: () => ({ radius: options.radius ?? 1, rho: NaN, cgIterations: 0, cgStop: "none", accepted: false, rejections: 0 }),
    update(g, state, ctx) {
      const B = ctx.curvature(kind);
      const gnorm = norm(g);
      const tol = Math.min(0.5, Math.sqrt(gnorm)) * gnorm;
      const maxIter = options.maxIter ?? Math.min(2 * g.length, 250);
      const { step, iterations, stop } = steihaugCg(B, g, state.radius, tol, maxIter);
      const predicted = dot(g, step) + 0.5 * dot(step, B.matvec(step));
      const f0 = ctx.value ?? ctx.objective.value(ctx.params);
      const f1 = ctx.objective.value(step.map((s, i) => s + ctx.params[i]!));
      const rho = predicted < 0 && Number.isFinite(f1) ? (f1 - f0) / predicted : -Infinity;
      const atBoundary = Math.abs(norm(step) - state.radius) <= 1e-8 * state.radius;
      const radius = rho < 0.25 ? 0.25 * state.radius : rho > 0.75 && atBoundary ? Math.min(2 * state.radius, maxRadius) : state.radius;
      const accepted = rho > eta;
      const out = accepted ? step : new Float64Array(g.length);
      return [out, { radius, rho, cgIterations: iterations, cgStop: stop, accepted, rejections: accepted ? 0 : state.rejections + 1 }];
    },
    info: (s): OptimizerInfo => ({ radius: s.radius, rho: s.rho, cgIterations: s.cgIterations, cgStop: s.cgStop, accepted: s.accepted }),
    stalled: (s) =>
      s.rejections >= maxRejections ? `${s.rejections} steps rejected in a row (trust radius down to ${s.radius.toExponential(2)}): no step changes the loss beyond rounding` : null,
  };
}
