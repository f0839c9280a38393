/** @file K-FAC for dense layers (Martens & Grosse 2015): Kronecker-factored Fisher blocks, factored Tikhonov damping, eigenbasis inverses */
import { factoredInverse, kfacOperator } from "../curvature/kfac.js";
import { factorEigen, kfacBlocks, type FactorEigen, type KroneckerFactors } from "../curvature/kroneckerFactors.js";
import { dot } from "../linalg/vector.js";
import type { OptimizerInfo, Transform } from "./transform.js";

/** Options of kfac. */
export interface KfacOptions {
  /** Learning rate α (fixed mode; 0.1). */
  readonly learningRate?: number;
  /** Momentum μ (fixed mode; 0.9). */
  readonly momentum?: number;
  /** λ; the Tikhonov γ = √(λ + η), η the network's weight decay (1e-2). */
  readonly damping?: number;
  /** Decay ε of the factor moving averages, capped at 1 − 1/k early on (0.95, §5). */
  readonly decay?: number;
  /** Recompute the eigendecompositions every T iterations (20, §8). */
  readonly inverseEvery?: number;
  /**
   * §6.4–6.5: choose α and μ each step by minimizing the quadratic model with the exact Fisher
   * (= GGN for these losses; 2 products) and adapt λ by the Levenberg–Marquardt rule (ω = 19/20).
   */
  readonly adaptive?: boolean;
}

/** State of kfac: moving-average factors, their eigendecompositions, the last step, λ and a record. */
export type KfacState = {
  readonly factors: readonly KroneckerFactors[];
  readonly eigen: readonly FactorEigen[];
  readonly previousStep: Float64Array;
  readonly damping: number;
  readonly updates: number;
  readonly alpha: number;
  readonly mu: number;
  readonly rho: number;
};

/**
 * K-FAC (Martens & Grosse 2015) for dense networks: per layer, Fisher block ≈ Ā ⊗ G from the
 * curvature minibatch with targets sampled from the model (ctx.seed), averaged with decay ε,
 * eigendecomposed every T iterations (linalg eigh), inverted with factored Tikhonov damping;
 * step = −α·F̃⁻¹∇L + μ·previous step (fixed α, μ), or α, μ from the exact quadratic model (adaptive).
 * Needs ctx.curvatureRisk.
 */
export function kfac(options: KfacOptions = {}): Transform<KfacState> {
  const lr = options.learningRate ?? 0.1;
  const mom = options.momentum ?? 0.9;
  const decay = options.decay ?? 0.95;
  const every = options.inverseEvery ?? 20;
  const adaptive = options.adaptive ?? false;
  return {
    init: (params) => ({ factors: [], eigen: [], previousStep: new Float64Array(params.length), damping: options.damping ?? 1e-2, updates: 0, alpha: lr, mu: mom, rho: NaN }),
    update(g, state, ctx) {
      const risk = ctx.curvatureRisk;
      if (risk === undefined) throw new RangeError("kfac: the step context has no network risk (K-FAC needs per-layer statistics)");
      const net = risk.network;
      // this step's factors from the curvature operator (MC targets from ctx.seed), then averaged
      const fresh = kfacOperator(risk, ctx.params, { type: "mc", seed: ctx.seed }).factors;
      const eps = Math.min(1 - 1 / (state.updates + 1), decay);
      const factors = state.factors.length === 0 ? fresh : fresh.map((f, l) => {
        const old = state.factors[l]!;
        return { a: f.a.map((x, j) => eps * old.a[j]! + (1 - eps) * x), g: f.g.map((x, j) => eps * old.g[j]! + (1 - eps) * x) };
      });
      const eigen = state.eigen.length === 0 || state.updates % every === 0 ? factors.map(factorEigen) : state.eigen;
      const inverse = factoredInverse(kfacBlocks(net), eigen, state.damping, net.weightDecay);
      const delta = inverse.matvec(g).map((x) => -x);
      let alpha = lr;
      let mu = mom;
      let damping = state.damping;
      let rho = NaN;
      if (adaptive) {
        ({ alpha, mu, damping, rho } = adaptiveStep(ctx, g, delta, state, net.weightDecay));
      }
      const step = delta.map((x, i) => alpha * x + mu * state.previousStep[i]!);
      return [step, { factors, eigen, previousStep: step, damping, updates: state.updates + 1, alpha, mu, rho }];
    },
    info: (s): OptimizerInfo => ({ damping: s.damping, alpha: s.alpha, mu: s.mu, rho: s.rho }),
  };
}

/**
 * Martens & Grosse (2015) §6.4: minimize M(αΔ + μδ₀) = ∇ᵀδ + ½δᵀ(F + (λ+η)I)δ over (α, μ) with the
 * exact F (a 2×2 solve; μ = 0 on the first step), then §6.5: ρ = (h(θ+δ) − h(θ))/M(δ) on the
 * curvature batch and λ ← ωλ if ρ > ¾, λ/ω if ρ < ¼ (ω = 19/20).
 */
function adaptiveStep(
  ctx: Parameters<Transform<KfacState>["update"]>[2],
  g: Float64Array,
  delta: Float64Array,
  state: KfacState,
  eta: number,
): { alpha: number; mu: number; damping: number; rho: number } {
  const F = ctx.curvature("ggn");
  const lam = state.damping + eta;
  const fd = F.matvec(delta);
  const a11 = dot(delta, fd) + lam * dot(delta, delta);
  const b1 = dot(g, delta);
  let alpha: number;
  let mu = 0;
  let model: number;
  if (state.updates === 0 || dot(state.previousStep, state.previousStep) === 0) {
    alpha = -b1 / a11;
    model = 0.5 * alpha * b1;
  } else {
    const d0 = state.previousStep;
    const f0 = F.matvec(d0);
    const a12 = dot(delta, f0) + lam * dot(delta, d0);
    const a22 = dot(d0, f0) + lam * dot(d0, d0);
    const b2 = dot(g, d0);
    const det = a11 * a22 - a12 * a12;
    alpha = (-b1 * a22 + b2 * a12) / det;
    mu = (-b2 * a11 + b1 * a12) / det;
    model = 0.5 * (alpha * b1 + mu * b2);
  }
  const step = delta.map((x, i) => alpha * x + mu * state.previousStep[i]!);
  const h0 = ctx.curvatureObjective.value(ctx.params);
  const h1 = ctx.curvatureObjective.value(step.map((x, i) => x + ctx.params[i]!));
  const rho = Number.isFinite(h1) ? (h1 - h0) / model : -Infinity;
  const omega = 19 / 20;
  const damping = rho > 0.75 ? omega * state.damping : !(rho >= 0.25) ? state.damping / omega : state.damping;
  return { alpha, mu, damping, rho };
}
