/** @file per-example gradient moments from one backward pass: Σᵢ gᵢ⊙gᵢ without forming any gᵢ */
import { matmul } from "../kernels/matmul.js";
import { ndarray } from "../kernels/ndarray.js";
import { sum } from "../kernels/reduce.js";
import type { LayerBackprop } from "../nn/engine.js";
import { outputScores } from "../nn/outputScores.js";
import { biasName, weightName, type Network } from "../nn/network.js";
import type { EmpiricalRisk } from "./empiricalRisk.js";
import { riskLayerBackprop } from "./riskLoop.js";

/**
 * Σᵢ gᵢ⊙gᵢ over the cases of a batch, gᵢ = ∇_θ ℓᵢ, laid out like θ, without forming any gᵢ: per
 * layer the weight part is (a⊙a)ᵀ(δ⊙δ) and the bias part Σᵢ δᵢ⊙δᵢ, since (gᵢ)_{jk} = a_{ij}δ_{ik}.
 */
export function squaredGradientSum(net: Network, layers: readonly LayerBackprop[]): Float64Array {
  const out = new Float64Array(net.layout.size);
  layers.forEach((lb, l) => {
    const { inputs: a, deltas: d, batch, fanIn, fanOut } = lb;
    // Σᵢ (aᵢ ⊗ δᵢ)² = (A⊙A)ᵀ(Δ⊙Δ): one GEMM on the fast backend instead of a triple loop
    const a2 = ndarray(a.map((x) => x * x), [batch, fanIn]);
    const d2 = ndarray(d.map((x) => x * x), [batch, fanOut]);
    net.layout.view(out, weightName(l)).set(matmul(a2, d2, { transA: true }).data);
    net.layout.view(out, biasName(l)).set(sum(d2, [0]).data);
  });
  return out;
}

/**
 * The mean over a risk's cases of gᵢ⊙gᵢ, gᵢ the gradient of case i's share of L (so that mean gᵢ is
 * the loss part of ∇L): Martens' (2010 §4.7) diagonal preconditioner is built from it.
 */
export function meanSquaredExampleGradient(risk: EmpiricalRisk, theta: Float64Array): Float64Array {
  const net = risk.network;
  const width = net.layers[net.layers.length - 1]!.outputs;
  const sumSq = new Float64Array(theta.length);
  const perBatch = riskLayerBackprop(risk, theta, (y, batch) => outputScores(net.loss, y, batch.targets, batch.rows, width));
  for (const layers of perBatch) {
    const s = squaredGradientSum(net, layers);
    for (let i = 0; i < sumSq.length; i++) sumSq[i]! += s[i]!;
  }
  // gᵢ = (N/c)·∇ℓᵢ  ⇒  mean gᵢ² = (N/c)²·Σ∇ℓᵢ² / N
  const f = risk.cases / (risk.normalizer * risk.normalizer);
  return sumSq.map((x) => x * f);
}
