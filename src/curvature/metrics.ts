/** @file evaluation metrics beyond the loss: Martens' reconstruction error, classification accuracy */
import { tensor } from "../autodiff/index.js";
import { forward } from "../nn/index.js";
import type { EmpiricalRisk } from "./empiricalRisk.js";

/**
 * Martens' (2010) error metric: squared error summed over outputs, averaged over cases,
 * (1/N)·Σᵢ‖ŷᵢ − tᵢ‖², where ŷ is the prediction — σ(z) for logistic outputs, softmax(z) for
 * softmax outputs, z itself for squared error. (PyTorch's losses average over elements instead.)
 */
export function squaredErrorPerCase(risk: EmpiricalRisk, theta: Float64Array): number {
  const net = risk.network;
  const th = tensor(theta, { dtype: risk.dtype });
  let total = 0;
  for (const batch of risk.batches) {
    const z = forward(net, th, batch.inputs);
    const y = net.loss === "sigmoid_cross_entropy" ? z.sigmoid() : net.loss === "softmax_cross_entropy" ? z.softmax(1) : z;
    total += y.sub(batch.targets).square().sum().item();
  }
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
  const th = tensor(theta, { dtype: risk.dtype });
  let correct = 0;
  for (const batch of risk.batches) {
    const z = forward(net, th, batch.inputs).data();
    const t = batch.targets.data();
    const rows = batch.inputs.shape[0]!;
    for (let r = 0; r < rows; r++) {
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
