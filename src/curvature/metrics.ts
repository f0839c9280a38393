/** @file evaluation metrics beyond the loss: Martens' reconstruction error, classification accuracy */
import type { EmpiricalRisk } from "./empiricalRisk.js";
import { riskOutputs } from "./riskLoop.js";

/**
 * Martens' (2010) error metric: squared error summed over outputs, averaged over cases,
 * (1/N)·Σᵢ‖ŷᵢ − tᵢ‖², where ŷ is the prediction — σ(z) for logistic outputs, softmax(z) for
 * softmax outputs, z itself for squared error. (PyTorch's losses average over elements instead.)
 */
export function squaredErrorPerCase(risk: EmpiricalRisk, theta: Float64Array): number {
  const loss = risk.network.loss;
  const width = risk.network.layers[risk.network.layers.length - 1]!.outputs;
  const outputs = riskOutputs(risk, theta);
  let total = 0;
  risk.batches.forEach((batch, b) => {
    const z = outputs[b]!;
    const t = batch.targets;
    for (let r = 0; r < batch.rows; r++) {
      const o = r * width;
      // softmax of the row (max-shifted), or the logistic of each logit, or z itself
      let max = -Infinity;
      let sum = 0;
      if (loss === "softmax_cross_entropy") {
        for (let j = 0; j < width; j++) max = Math.max(max, z[o + j]!);
        for (let j = 0; j < width; j++) sum += Math.exp(z[o + j]! - max);
      }
      for (let j = 0; j < width; j++) {
        const zj = z[o + j]!;
        const y = loss === "sigmoid_cross_entropy" ? 1 / (1 + Math.exp(-zj)) : loss === "softmax_cross_entropy" ? Math.exp(zj - max) / sum : zj;
        total += (y - t[o + j]!) ** 2;
      }
    }
  });
  return total / risk.cases;
}

/**
 * Fraction of cases classified correctly, or null where the loss is not a classification loss:
 * argmax for softmax outputs, the sign of the logit for a single sigmoid output.
 */
export function accuracy(risk: EmpiricalRisk, theta: Float64Array): number | null {
  const net = risk.network;
  const width = net.layers[net.layers.length - 1]!.outputs;
  if (net.loss === "mse" || (net.loss === "sigmoid_cross_entropy" && width !== 1)) return null;
  const outputs = riskOutputs(risk, theta);
  let correct = 0;
  for (const [b, batch] of risk.batches.entries()) {
    const z = outputs[b]!;
    const t = batch.targets;
    for (let r = 0; r < batch.rows; r++) {
      if (width === 1) correct += z[r]! > 0 === t[r]! > 0.5 ? 1 : 0;
      else correct += argmax(z, r * width, width) === argmax(t, r * width, width) ? 1 : 0;
    }
  }
  return correct / risk.cases;
}

function argmax(a: ArrayLike<number>, start: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (a[start + i]! > a[start + best]!) best = i;
  return best;
}
