/** @file K-FAC for dense layers (Martens & Grosse 2015): Kronecker-factored Fisher blocks, factored Tikhonov damping, eigenbasis inverses */
import { matmul } from "../kernels/matmul.js";
import { Rng } from "../kernels/random.js";
import { eigh } from "../linalg/eigh.js";
import { dot } from "../linalg/vector.js";
import { backprop, sampledOutputGradient } from "../nn/backprop.js";
import { biasName, weightName, type Network } from "../nn/network.js";
import type { EmpiricalRisk } from "../curvature/empiricalRisk.js";
import type { OptimizerInfo, Transform } from "./transform.js";

/** One layer's Kronecker factors: Ā = E[āāᵀ] over inputs with a trailing 1 (the bias), G = E[ggᵀ] of sampled δ. */
export type KroneckerFactors = { readonly a: Float64Array; readonly g: Float64Array };

/** Eigendecompositions of a layer's factors (row-major Q, eigenvector j in column j). */
export type FactorEigen = { readonly qa: Float64Array; readonly ea: Float64Array; readonly qg: Float64Array; readonly eg: Float64Array };

function mm(a: Float64Array, m: number, k: number, b: Float64Array, n: number, transA = false, transB = false): Float64Array {
  const A = { shape: transA ? [k, m] : [m, k], dtype: "float64" as const, data: a };
  const B = { shape: transB ? [n, k] : [k, n], dtype: "float64" as const, data: b };
  return matmul(A, B, { transA, transB }).data as Float64Array;
}

/**
 * The factors of every layer on a risk's batches, targets sampled from the model (seeded):
 * Ā = (1/N)Σᵢ āᵢāᵢᵀ and G = (1/c)Σᵢ gᵢgᵢᵀ with gᵢ = ∂ℓᵢ/∂z, so that Ā ⊗ G approximates the layer's
 * block of F = (1/c)Σᵢ ∇ℓᵢ∇ℓᵢᵀ (Martens & Grosse (2015) §3, §5; c the risk's normalizer).
 */
export function kroneckerFactors(risk: EmpiricalRisk, theta: Float64Array, seed: number): KroneckerFactors[] {
  const net = risk.network;
  const rng = new Rng(seed);
  const sums = net.layers.map((l) => ({ a: new Float64Array((l.inputs + 1) ** 2), g: new Float64Array(l.outputs ** 2) }));
  for (const batch of risk.batches) {
    const layers = backprop(net, theta, batch.inputs, {
      outputGrad: (y) => sampledOutputGradient(net.loss, y, batch.targets, rng),
    });
    layers.forEach((lb, l) => {
      const d = lb.fanIn + 1;
      const abar = new Float64Array(lb.batch * d);
      for (let i = 0; i < lb.batch; i++) {
        abar.set(lb.inputs.subarray(i * lb.fanIn, (i + 1) * lb.fanIn), i * d);
        abar[i * d + lb.fanIn] = 1;
      }
      const aa = mm(abar, d, lb.batch, abar, d, true);
      const gg = mm(lb.deltas, lb.fanOut, lb.batch, lb.deltas, lb.fanOut, true);
      const s = sums[l]!;
      for (let j = 0; j < aa.length; j++) s.a[j]! += aa[j]!;
      for (let j = 0; j < gg.length; j++) s.g[j]! += gg[j]!;
    });
  }
  return sums.map((s) => ({ a: s.a.map((x) => x / risk.cases), g: s.g.map((x) => x / risk.normalizer) }));
}

/** π = √((tr Ā/dim Ā)/(tr G/dim G)), the trace-norm balance of the factored damping (Martens & Grosse (2015) §6.3). */
export function piScale(eig: FactorEigen): number {
  const mean = (e: Float64Array): number => e.reduce((s, x) => s + x, 0) / e.length;
  const pi = Math.sqrt(mean(eig.ea) / mean(eig.eg));
  return Number.isFinite(pi) && pi > 0 ? pi : 1;
}

/**
 * (Ā + πγI)⁻¹ V (G + γ/π I)⁻¹ for V = ∇W̄ of shape [d_in+1, d_out] (row-major; W rows then the bias
 * row, as θ stores them): in the eigenbases, Q_Ā[(Q_ĀᵀVQ_G) ⊘ ((e_Ā+πγ)(e_G+γ/π)ᵀ)]Q_Gᵀ — the
 * inverse of the factored-damped block (Ā + πγI) ⊗ (G + γ/πI) (§6.3) at O(d³) instead of O(d⁶).
 */
export function factoredInverseProduct(eig: FactorEigen, v: Float64Array, gamma: number): Float64Array {
  const m = eig.ea.length;
  const n = eig.eg.length;
  const pi = piScale(eig);
  const inner = mm(mm(eig.qa, m, m, v, n, true), m, n, eig.qg, n);
  for (let i = 0; i < m; i++) {
    const da = eig.ea[i]! + pi * gamma;
    for (let j = 0; j < n; j++) inner[i * n + j]! /= da * (eig.eg[j]! + gamma / pi);
  }
  return mm(mm(eig.qa, m, m, inner, n), m, n, eig.qg, n, false, true);
}

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

/** Each layer's W̄ = [W; bᵀ] as one [d_in+1, d_out] block of θ (the layout stores bias right after weight). */
function layerSlices(net: Network): { offset: number; rows: number; cols: number }[] {
  return net.layers.map((l, i) => {
    const offset = net.layout.entry(weightName(i)).offset;
    if (net.layout.entry(biasName(i)).offset !== offset + l.inputs * l.outputs) {
      throw new RangeError(`kfac: layer ${i}'s bias does not follow its weight in θ`);
    }
    return { offset, rows: l.inputs + 1, cols: l.outputs };
  });
}

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
      const fresh = kroneckerFactors(risk, ctx.params, ctx.seed);
      const eps = Math.min(1 - 1 / (state.updates + 1), decay);
      const factors = state.factors.length === 0 ? fresh : fresh.map((f, l) => {
        const old = state.factors[l]!;
        return { a: f.a.map((x, j) => eps * old.a[j]! + (1 - eps) * x), g: f.g.map((x, j) => eps * old.g[j]! + (1 - eps) * x) };
      });
      const eigen = state.eigen.length === 0 || state.updates % every === 0
        ? factors.map((f) => {
            const da = Math.round(Math.sqrt(f.a.length));
            const dg = Math.round(Math.sqrt(f.g.length));
            const A = eigh(f.a, da);
            const G = eigh(f.g, dg);
            // rounding can leave tiny negative eigenvalues of these PSD matrices
            return { qa: A.vectors, ea: A.values.map((x) => Math.max(x, 0)), qg: G.vectors, eg: G.values.map((x) => Math.max(x, 0)) };
          })
        : state.eigen;
      const gamma = Math.sqrt(state.damping + net.weightDecay);
      const delta = new Float64Array(g.length);
      layerSlices(net).forEach((s, l) => {
        const v = g.subarray(s.offset, s.offset + s.rows * s.cols);
        const u = factoredInverseProduct(eigen[l]!, v, gamma);
        for (let j = 0; j < u.length; j++) delta[s.offset + j] = -u[j]!;
      });
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
