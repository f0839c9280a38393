/** @file Newton's method for small p: a dense Hessian solve with Levenberg–Marquardt damping that never steps uphill */
import { eigh } from "../linalg/eigh.js";
import { toDense } from "../linalg/linearOperator.js";
import { checkDenseSize, type CurvatureChoice, type OptimizerInfo, type Transform } from "./transform.js";

/** Options of newton. */
export interface NewtonOptions {
  /** Curvature used in place of the Hessian ("hessian"; "ggn" gives Gauss–Newton). */
  readonly curvature?: CurvatureChoice;
  /** Initial λ of (H + λ‖g‖I)p = −g (0: pure Newton while the model predicts well). */
  readonly damping?: number;
  /** λ ← boost·λ when ρ < 1/4 or a trial is rejected (3/2, as Martens (2010) §4.1). */
  readonly boost?: number;
  /** λ ← drop·λ when ρ > 3/4 (2/3). */
  readonly drop?: number;
  /** λ is set to 0 once λ‖g‖ falls below this fraction of max|eig(H)| (1e-12). */
  readonly floor?: number;
  /** Most rejected trials per update before giving a zero step (30). */
  readonly maxTrials?: number;
}

/** State of newton: the current λ and what the last update did. */
export type NewtonState = {
  readonly damping: number;
  readonly rho: number;
  readonly trials: number;
  readonly minEigenvalue: number;
};

/**
 * Damped Newton: eigendecompose the dense H = QΛQᵀ (toDense of ctx.curvature, p products, so small
 * p only) and step p = −Q(Λ + μI)⁻¹Qᵀg with μ = max(λ·‖g‖, −λ_min(H) + δ), which is positive
 * definite, hence a descent direction even when H is indefinite. The step is accepted only if f
 * decreases; otherwise λ grows and the same factorization is reused. λ follows the reduction ratio
 * ρ = (f(θ+p) − f(θ)) / (gᵀp + ½pᵀHp) (Levenberg 1944; Marquardt 1963; Nocedal & Wright (2006)
 * §10.3). Scaling the damping by ‖g‖ (Yamashita & Fukushima 2001; Li et al. 2004) makes μ vanish
 * like ‖g‖ near a minimizer, so convergence stays quadratic even after λ has grown on the way.
 */
export function newton(options: NewtonOptions = {}): Transform<NewtonState> {
  const kind = options.curvature ?? "hessian";
  const boost = options.boost ?? 1.5;
  const drop = options.drop ?? 2 / 3;
  const floor = options.floor ?? 1e-12;
  const maxTrials = options.maxTrials ?? 30;
  return {
    init: (params) => {
      checkDenseSize("newton", params.length);
      return { damping: options.damping ?? 0, rho: NaN, trials: 0, minEigenvalue: NaN };
    },
    update(g, state, ctx) {
      const p = g.length;
      const h = toDense(ctx.curvature(kind));
      for (let i = 0; i < p; i++) {
        for (let j = 0; j < i; j++) {
          const s = 0.5 * (h[i * p + j]! + h[j * p + i]!);
          h[i * p + j] = s;
          h[j * p + i] = s;
        }
      }
      const { values, vectors } = eigh(h, p);
      const scaleH = Math.max(Math.abs(values[0] ?? 0), Math.abs(values[p - 1] ?? 0), 1e-300);
      const minEigenvalue = values[0] ?? 0;
      // Qᵀg once; each trial is then O(p²).
      const qg = new Float64Array(p);
      for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) qg[j]! += vectors[i * p + j]! * g[i]!;
      const f0 = ctx.value ?? ctx.objective.value(ctx.params);
      const gnorm = Math.sqrt(g.reduce((acc, x) => acc + x * x, 0));
      // the smallest shift that makes H + μI positive definite
      const shift = minEigenvalue > 0 ? 0 : -minEigenvalue + 1e-10 * scaleH;
      let lambda = state.damping;
      for (let trial = 1; trial <= maxTrials; trial++) {
        const mu = Math.max(lambda * gnorm, shift);
        const coef = new Float64Array(p);
        let predicted = 0;
        for (let j = 0; j < p; j++) {
          coef[j] = -qg[j]! / (values[j]! + mu);
          // gᵀp + ½pᵀHp in the eigenbasis
          predicted += qg[j]! * coef[j]! + 0.5 * values[j]! * coef[j]! * coef[j]!;
        }
        const step = new Float64Array(p);
        for (let i = 0; i < p; i++) {
          let s = 0;
          for (let j = 0; j < p; j++) s += vectors[i * p + j]! * coef[j]!;
          step[i] = s;
        }
        const f1 = ctx.objective.value(step.map((s, i) => s + ctx.params[i]!));
        const rho = (f1 - f0) / predicted;
        if (predicted < 0 && -predicted <= 4 * Number.EPSILON * Math.abs(f0)) {
          // f cannot tell the points apart at working precision, but the model still can: take the
          // (positive definite) model's step, leaving λ alone, so θ converges past √ε accuracy
          return [step, { damping: state.damping, rho, trials: trial, minEigenvalue }];
        }
        if (Number.isFinite(f1) && f1 <= f0 && predicted < 0) {
          let next = rho < 0.25 ? Math.max(boost * lambda, (1e-8 * scaleH) / gnorm) : rho > 0.75 ? drop * lambda : lambda;
          if (next * gnorm < floor * scaleH) next = 0;
          return [step, { damping: next, rho, trials: trial, minEigenvalue }];
        }
        // Rejected: more damping shortens the step toward −g/μ (a gradient step), which must decrease f eventually.
        lambda = Math.max(boost * boost * lambda, (1e-6 * scaleH) / gnorm, (2 * shift) / gnorm);
      }
      return [new Float64Array(p), { damping: lambda, rho: NaN, trials: maxTrials, minEigenvalue }];
    },
    info: (s): OptimizerInfo => ({ damping: s.damping, rho: s.rho, trials: s.trials, minEigenvalue: s.minEigenvalue }),
    // every trial of the last update was rejected even with λ grown to a gradient step's scale
    stalled: (s) => (s.trials >= maxTrials && Number.isNaN(s.rho) ? `all ${maxTrials} damped trial steps of the last update were rejected (λ now ${s.damping.toExponential(2)})` : null),
  };
}
