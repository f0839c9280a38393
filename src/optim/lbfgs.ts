/** @file L-BFGS: the two-loop recursion with memory m and a strong Wolfe line search (Nocedal & Wright (2006) Alg. 7.4/7.5) */
import { dot, norm } from "../linalg/vector.js";
import { lineFunction, strongWolfe, type WolfeOptions } from "./lineSearch.js";
import type { OptimizerInfo, Transform } from "./transform.js";

/**
 * H·q for the L-BFGS inverse-Hessian approximation built from pairs (sᵢ, yᵢ), oldest first, with
 * H₀ = γI, γ = sᵀy/yᵀy of the newest pair (Nocedal & Wright (2006) Alg. 7.4, eq. 7.20); H₀ = I
 * without pairs.
 */
export function twoLoop(q0: Float64Array, s: readonly Float64Array[], y: readonly Float64Array[]): Float64Array {
  const m = s.length;
  const q = Float64Array.from(q0);
  const alpha = new Float64Array(m);
  const rho = s.map((si, i) => 1 / dot(y[i]!, si));
  for (let i = m - 1; i >= 0; i--) {
    alpha[i] = rho[i]! * dot(s[i]!, q);
    const yi = y[i]!;
    for (let j = 0; j < q.length; j++) q[j]! -= alpha[i]! * yi[j]!;
  }
  const newest = m - 1;
  const gamma = m === 0 ? 1 : dot(s[newest]!, y[newest]!) / dot(y[newest]!, y[newest]!);
  for (let j = 0; j < q.length; j++) q[j]! *= gamma;
  for (let i = 0; i < m; i++) {
    const beta = rho[i]! * dot(y[i]!, q);
    const si = s[i]!;
    for (let j = 0; j < q.length; j++) q[j]! += si[j]! * (alpha[i]! - beta);
  }
  return q;
}

/** Options of lbfgs. */
export interface LbfgsOptions {
  /** Pairs kept, m (10). */
  readonly memory?: number;
  /** A pair is skipped when sᵀy ≤ ε·‖s‖·‖y‖ (ε = 1e-10): it would break positive definiteness. */
  readonly curvatureEps?: number;
  /** Line search constants (c₁ = 1e-4, c₂ = 0.9). */
  readonly lineSearch?: WolfeOptions;
}

/** State of lbfgs: the pairs (oldest first) and the last line search's outcome. */
export type LbfgsState = {
  readonly s: readonly Float64Array[];
  readonly y: readonly Float64Array[];
  readonly alpha: number;
  readonly evaluations: number;
  readonly lineSearch: string;
  readonly skipped: number;
  /** Line searches failed in a row (the first clears the memory, so the next one runs along −∇L). */
  readonly failures: number;
};

/**
 * L-BFGS (Liu & Nocedal 1989): direction d = −H·g by the two-loop recursion, step α·d from a strong
 * Wolfe search on ctx.objective, then the pair (s, y) = (αd, ∇f(θ+αd) − g) — y taken from the line
 * search's own gradient, so it is measured on one batch. The first step is scaled to length ≤ 1. A
 * failed line search clears the memory and gives a zero step; a second failure in a row, along −∇L
 * itself, means no decrease can be found at working precision: `stalled` says so (as scipy's
 * L-BFGS-B ends with ABNORMAL_TERMINATION_IN_LNSRCH), and so does an exactly zero gradient.
 */
export function lbfgs(options: LbfgsOptions = {}): Transform<LbfgsState> {
  const memory = options.memory ?? 10;
  const eps = options.curvatureEps ?? 1e-10;
  return {
    init: () => ({ s: [], y: [], alpha: 0, evaluations: 0, lineSearch: "none", skipped: 0, failures: 0 }),
    update(g, state, ctx) {
      const d = twoLoop(g, state.s, state.y).map((x) => -x);
      let slope = dot(g, d);
      let dir = d;
      if (!(slope < 0)) {
        // not a descent direction (only by rounding): restart along −g
        dir = g.map((x) => -x);
        slope = -dot(g, g);
      }
      if (slope === 0) return [new Float64Array(g.length), { ...state, alpha: 0, evaluations: 0, lineSearch: "stationary" }];
      const initial = state.s.length === 0 ? Math.min(1, 1 / norm(g)) : 1;
      const phi = lineFunction(ctx.objective, ctx.params, dir);
      const f0 = ctx.value ?? ctx.objective.value(ctx.params);
      const { point, evaluations, stop } = strongWolfe(phi, { alpha: 0, value: f0, slope, grad: g }, { ...options.lineSearch, initial });
      if (stop === "failed") {
        return [new Float64Array(g.length), { s: [], y: [], alpha: 0, evaluations, lineSearch: stop, skipped: state.skipped, failures: state.failures + 1 }];
      }
      const step = dir.map((x) => point.alpha * x);
      const y = point.grad.map((x, i) => x - g[i]!);
      const sy = dot(step, y);
      const keep = sy > eps * norm(step) * norm(y);
      const s = keep ? [...state.s, step].slice(-memory) : state.s;
      const ys = keep ? [...state.y, y].slice(-memory) : state.y;
      return [Float64Array.from(step), { s, y: ys, alpha: point.alpha, evaluations, lineSearch: stop, skipped: state.skipped + (keep ? 0 : 1), failures: 0 }];
    },
    info: (st): OptimizerInfo => ({ alpha: st.alpha, evaluations: st.evaluations, lineSearch: st.lineSearch, pairs: st.s.length, skipped: st.skipped }),
    stalled: (st) =>
      st.lineSearch === "stationary"
        ? "the gradient is exactly zero"
        : st.failures >= 2
          ? "the line search failed twice in a row, the second time along −∇L with the memory cleared: no decrease is left at working precision"
          : null,
  };
}
