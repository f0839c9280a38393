/** @file K-FAC's Kronecker factors of a dense network (Martens & Grosse 2015 §3, §5) and the factored-Tikhonov inverse of one block (§6.3) */
import { matmul } from "../kernels/matmul.js";
import { Rng } from "../kernels/random.js";
import { eigh } from "../linalg/eigh.js";
import { biasName, weightName, type Network } from "../nn/index.js";
import { outputScores, sampledScores } from "../nn/outputScores.js";
import type { EmpiricalRisk } from "./empiricalRisk.js";
import { riskEngine, riskParams } from "./riskLoop.js";

/**
 * One layer's Kronecker factors, both row-major and symmetric PSD:
 * `a` = Ā = (1/N)Σᵢ āᵢāᵢᵀ, (d_in+1)×(d_in+1), over the layer's inputs with a trailing 1 for the bias
 * (āᵢ = [aᵢ; 1], so the last diagonal entry is exactly 1); `g` = G = (1/c)Σᵢ δᵢδᵢᵀ, d_out×d_out, over
 * the pre-activation errors δᵢ = ∂ℓᵢ/∂z (N the cases, c the risk's normalizer).
 */
export type KroneckerFactors = { readonly a: Float64Array; readonly g: Float64Array };

/** Eigendecompositions of a layer's factors (row-major Q, eigenvector j in column j; eigenvalues clamped at 0). */
export type FactorEigen = { readonly qa: Float64Array; readonly ea: Float64Array; readonly qg: Float64Array; readonly eg: Float64Array };

/**
 * Where layer l's block sits in θ: W̄ = [W; bᵀ] is the row-major [rows = d_in+1, cols = d_out] matrix
 * θ[offset, offset + rows·cols) — W stored [in, out] row-major, then the bias as the last row — so
 * its vec is row-major and the block of the Fisher over it is approximated by Ā ⊗ G (row-major kron).
 */
export interface KfacBlock {
  readonly offset: number;
  readonly rows: number;
  readonly cols: number;
}

/** Which targets the factors' δ are back-propagated from (the Fisher's options: MC seeded, or the data's). */
export interface KroneckerFactorOptions {
  /** "mc": targets sampled from the model (the true Fisher, the default); "empirical": the data's targets. */
  readonly type?: "mc" | "empirical";
  /** Seed of the Monte-Carlo targets (0), drawn as the MC Fisher operator draws them. */
  readonly seed?: number;
  /** Monte-Carlo samples per case (1); G averages their δδᵀ. */
  readonly samples?: number;
}

/** The blocks of a network's θ, one per layer; throws if a bias does not follow its weight. */
export function kfacBlocks(net: Network): KfacBlock[] {
  return net.layers.map((l, i) => {
    const offset = net.layout.entry(weightName(i)).offset;
    if (net.layout.entry(biasName(i)).offset !== offset + l.inputs * l.outputs) {
      throw new RangeError(`kfac: layer ${i}'s bias does not follow its weight in θ`);
    }
    return { offset, rows: l.inputs + 1, cols: l.outputs };
  });
}

/** Row-major op(A)·op(B) for an m×k op(A) and a k×n op(B). */
function mm(a: Float64Array, m: number, k: number, b: Float64Array, n: number, transA = false, transB = false): Float64Array {
  const A = { shape: transA ? [k, m] : [m, k], dtype: "float64" as const, data: a };
  const B = { shape: transB ? [n, k] : [k, n], dtype: "float64" as const, data: b };
  return matmul(A, B, { transA, transB }).data as Float64Array;
}


/**
 * The factors of every layer on a risk's batches: Ā = (1/N)Σᵢ āᵢāᵢᵀ and G = (1/c)Σᵢ gᵢgᵢᵀ with
 * gᵢ = ∂ℓᵢ/∂z, so that Ā ⊗ G approximates the layer's block of F = (1/c)Σᵢ ∇ℓᵢ∇ℓᵢᵀ (Martens &
 * Grosse (2015) §3, §5). MC targets come from one Rng(seed) drawn batch by batch, sample by sample,
 * as fisherOperator draws them, so the same seed gives the same targets.
 */
export function kroneckerFactors(risk: EmpiricalRisk, theta: Float64Array, options: KroneckerFactorOptions = {}): KroneckerFactors[] {
  const net = risk.network;
  const empirical = options.type === "empirical";
  const samples = empirical ? 1 : Math.max(1, Math.trunc(options.samples ?? 1));
  const rng = new Rng(options.seed ?? 0);
  const sums = net.layers.map((l) => ({ a: new Float64Array((l.inputs + 1) ** 2), g: new Float64Array(l.outputs ** 2) }));
  // per-layer a and δ from the risk's engine, δ back-propagated from the output scores
  const engine = riskEngine(risk);
  const th = riskParams(risk, theta);
  const width = net.layers[net.layers.length - 1]!.outputs;
  for (const batch of risk.batches) {
    const y = engine.outputs(th, batch);
    for (let s = 0; s < samples; s++) {
      const scores = empirical ? outputScores(net.loss, y, batch.targets, batch.rows, width) : sampledScores(net.loss, y, batch.targets, batch.rows, width, rng);
      const layers = engine.layerBackprop(th, batch, scores);
      layers.forEach((lb, l) => {
        const sum = sums[l]!;
        // the inputs are the same for every sample: count them once
        if (s === 0) {
          const d = lb.fanIn + 1;
          const abar = new Float64Array(lb.batch * d);
          for (let i = 0; i < lb.batch; i++) {
            abar.set(lb.inputs.subarray(i * lb.fanIn, (i + 1) * lb.fanIn), i * d);
            abar[i * d + lb.fanIn] = 1;
          }
          const aa = mm(abar, d, lb.batch, abar, d, true);
          for (let j = 0; j < aa.length; j++) sum.a[j]! += aa[j]!;
        }
        const gg = mm(lb.deltas, lb.fanOut, lb.batch, lb.deltas, lb.fanOut, true);
        for (let j = 0; j < gg.length; j++) sum.g[j]! += gg[j]!;
      });
    }
  }
  const c = risk.normalizer * samples;
  return sums.map((s) => ({ a: s.a.map((x) => x / risk.cases), g: s.g.map((x) => x / c) }));
}

/** (Ā ⊗ G)·vec(V) = vec(Ā·V·G) for a layer's block V of a vector ([d_in+1, d_out] row-major; G is symmetric). */
export function kroneckerProduct(f: KroneckerFactors, v: Float64Array, rows: number, cols: number): Float64Array {
  return mm(mm(f.a, rows, rows, v, cols), rows, cols, f.g, cols);
}

/** The eigendecompositions of a layer's factors (linalg eigh), eigenvalues clamped at 0. */
export function factorEigen(f: KroneckerFactors): FactorEigen {
  const A = eigh(f.a, Math.round(Math.sqrt(f.a.length)));
  const G = eigh(f.g, Math.round(Math.sqrt(f.g.length)));
  // rounding can leave tiny negative eigenvalues of these PSD matrices
  return { qa: A.vectors, ea: A.values.map((x) => Math.max(x, 0)), qg: G.vectors, eg: G.values.map((x) => Math.max(x, 0)) };
}

/** π = √((tr Ā/dim Ā)/(tr G/dim G)), the trace-norm balance of the factored damping (Martens & Grosse (2015) §6.3); 1 when undefined. */
export function piScale(eig: FactorEigen): number {
  const mean = (e: Float64Array): number => e.reduce((s, x) => s + x, 0) / e.length;
  const pi = Math.sqrt(mean(eig.ea) / mean(eig.eg));
  return Number.isFinite(pi) && pi > 0 ? pi : 1;
}

/**
 * (Ā + πγI)⁻¹ V (G + γ/π I)⁻¹ for V = W̄'s block of a vector, [d_in+1, d_out] row-major: in the
 * eigenbases, Q_Ā[(Q_ĀᵀVQ_G) ⊘ ((e_Ā+πγ)(e_G+γ/π)ᵀ)]Q_Gᵀ — the inverse of the factored-damped
 * block (Ā + πγI) ⊗ (G + γ/πI) (§6.3) at O(d³) instead of O(d⁶).
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
