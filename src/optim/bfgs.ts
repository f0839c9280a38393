/** @file dense BFGS for small p: the inverse-Hessian update with a strong Wolfe line search (Nocedal & Wright (2006) Alg. 6.1) */
import { dot, norm } from "../linalg/vector.js";
import { lineFunction, strongWolfe, type WolfeOptions } from "./lineSearch.js";
import { checkDenseSize, type OptimizerInfo, type Transform } from "./transform.js";

/** Options of bfgs. */
export interface BfgsOptions {
  /** A pair is skipped when sᵀy ≤ ε·‖s‖·‖y‖ (ε = 1e-10). */
  readonly curvatureEps?: number;
  readonly lineSearch?: WolfeOptions;
}

/** State of bfgs: the dense row-major inverse-Hessian approximation H (p×p), and whether it is still the initial I. */
export type BfgsState = {
  readonly inverseHessian: Float64Array;
  readonly updates: number;
  readonly alpha: number;
  readonly lineSearch: string;
  /** Line searches failed in a row (the first resets H to I, so the next one runs along −∇L). */
  readonly failures: number;
};

/**
 * BFGS: d = −Hg, strong Wolfe step, then H ← (I − ρsyᵀ)H(I − ρysᵀ) + ρssᵀ with ρ = 1/yᵀs
 * (eq. 6.17); before the first update H₀ is rescaled to (yᵀs/yᵀy)·I (eq. 6.20). A failed line
 * search resets H to I; a second failure in a row (along −∇L) is a stall, as in lbfgs.
 */
export function bfgs(options: BfgsOptions = {}): Transform<BfgsState> {
  const eps = options.curvatureEps ?? 1e-10;
  return {
    init(params) {
      const p = params.length;
      checkDenseSize("bfgs", p);
      const h = new Float64Array(p * p);
      for (let i = 0; i < p; i++) h[i * p + i] = 1;
      return { inverseHessian: h, updates: 0, alpha: 0, lineSearch: "none", failures: 0 };
    },
    update(g, state, ctx) {
      const p = g.length;
      const H = state.inverseHessian;
      let d = matvec(H, g, p).map((x) => -x);
      let slope = dot(g, d);
      if (!(slope < 0)) {
        d = g.map((x) => -x);
        slope = -dot(g, g);
      }
      if (slope === 0) return [new Float64Array(p), { ...state, alpha: 0, lineSearch: "stationary" }];
      const initial = state.updates === 0 ? Math.min(1, 1 / norm(g)) : 1;
      const f0 = ctx.value ?? ctx.objective.value(ctx.params);
      const { point, stop } = strongWolfe(lineFunction(ctx.objective, ctx.params, d), { alpha: 0, value: f0, slope, grad: g }, {
        ...options.lineSearch,
        initial,
      });
      if (stop === "failed") {
        const identity = new Float64Array(p * p);
        for (let i = 0; i < p; i++) identity[i * p + i] = 1;
        return [new Float64Array(p), { inverseHessian: identity, updates: 0, alpha: 0, lineSearch: stop, failures: state.failures + 1 }];
      }
      const s = d.map((x) => point.alpha * x);
      const y = point.grad.map((x, i) => x - g[i]!);
      const sy = dot(s, y);
      if (!(sy > eps * norm(s) * norm(y))) return [s, { ...state, alpha: point.alpha, lineSearch: stop, failures: 0 }];
      let base = H;
      if (state.updates === 0) {
        base = new Float64Array(p * p);
        const gamma = sy / dot(y, y);
        for (let i = 0; i < p; i++) base[i * p + i] = gamma;
      }
      return [s, { inverseHessian: bfgsUpdate(base, s, y, p), updates: state.updates + 1, alpha: point.alpha, lineSearch: stop, failures: 0 }];
    },
    info: (st): OptimizerInfo => ({ alpha: st.alpha, lineSearch: st.lineSearch, updates: st.updates }),
    stalled: (st) =>
      st.lineSearch === "stationary"
        ? "the gradient is exactly zero"
        : st.failures >= 2
          ? "the line search failed twice in a row, the second time along −∇L with H reset to I: no decrease is left at working precision"
          : null,
  };
}

function matvec(a: Float64Array, v: Float64Array, p: number): Float64Array {
  const out = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += a[i * p + j]! * v[j]!;
    out[i] = s;
  }
  return out;
}

/** (I − ρsyᵀ)H(I − ρysᵀ) + ρssᵀ expanded: H − ρ(s·(Hy)ᵀ + (Hy)·sᵀ) + (ρ²·yᵀHy + ρ)·ssᵀ (H symmetric). */
function bfgsUpdate(H: Float64Array, s: Float64Array, y: Float64Array, p: number): Float64Array {
  const rho = 1 / dot(s, y);
  const hy = matvec(H, y, p);
  const yhy = dot(y, hy);
  const c = rho * rho * yhy + rho;
  const out = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) out[i * p + j] = H[i * p + j]! - rho * (s[i]! * hy[j]! + hy[i]! * s[j]!) + c * s[i]! * s[j]!;
  }
  return out;
}
