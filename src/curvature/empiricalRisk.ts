/** @file EmpiricalRisk: a network's loss over a whole data set, evaluated batch by batch but reduced exactly */
import { fromNDArray, tensor, type Tensor, valueAndGrad } from "../autodiff/index.js";
import { astype, formatShape, ShapeError, slice, type DType, type NDArray } from "../kernels/index.js";
import { forward, lossNormalizer, lossSum, type Network, type Reduction } from "../nn/index.js";

/** One chunk of the data set, already in the risk's dtype. */
export interface RiskBatch {
  readonly inputs: Tensor;
  readonly targets: Tensor;
}

/**
 * L(θ) = (1/c)·Σᵢ ℓ(f(θ, xᵢ), tᵢ) + ½·λ·‖θ‖², with c from the reduction (PyTorch's mean, or 1 for
 * sum). Batches only bound memory: every quantity is summed over all of them before dividing by c,
 * so the value does not depend on the batch size (unequal last batch included).
 */
export interface EmpiricalRisk {
  readonly network: Network;
  readonly batches: readonly RiskBatch[];
  readonly cases: number;
  readonly reduction: Reduction;
  readonly dtype: DType;
  /** c: the divisor of the summed loss. */
  readonly normalizer: number;
}

/** Options of empiricalRisk. */
export interface EmpiricalRiskOptions {
  /** Rows per chunk (default: all at once up to 1000). */
  readonly batchSize?: number;
  readonly reduction?: Reduction;
  /** Compute dtype (default: the inputs' dtype). */
  readonly dtype?: DType;
}

/** Builds the empirical risk of a network on inputs [N, d₀] and targets [N, d_L]. */
export function empiricalRisk(
  net: Network,
  data: { readonly inputs: NDArray; readonly targets: NDArray },
  options: EmpiricalRiskOptions = {},
): EmpiricalRisk {
  const { inputs, targets } = data;
  const dIn = net.layers[0]!.inputs;
  const dOut = net.layers[net.layers.length - 1]!.outputs;
  if (inputs.shape.length !== 2 || inputs.shape[1] !== dIn) {
    throw new ShapeError(`empiricalRisk: inputs ${formatShape(inputs.shape)} do not match the model's input width ${dIn}`);
  }
  const cases = inputs.shape[0]!;
  if (targets.shape.length !== 2 || targets.shape[0] !== cases || targets.shape[1] !== dOut) {
    throw new ShapeError(
      `empiricalRisk: targets ${formatShape(targets.shape)} do not match [${cases}, ${dOut}] (cases × model output width)`,
    );
  }
  if (cases === 0) throw new ShapeError("empiricalRisk: the data set is empty");
  const batchSize = options.batchSize ?? Math.min(cases, 1000);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ShapeError(`empiricalRisk: invalid batch size ${batchSize}`);
  const dtype = options.dtype ?? inputs.dtype;
  const reduction = options.reduction ?? "mean";
  const x = inputs.dtype === dtype ? inputs : astype(inputs, dtype);
  const t = targets === inputs ? x : targets.dtype === dtype ? targets : astype(targets, dtype);
  const batches: RiskBatch[] = [];
  for (let start = 0; start < cases; start += batchSize) {
    const n = Math.min(batchSize, cases - start);
    batches.push({
      inputs: fromNDArray(slice(x, [start, 0], [n, dIn])),
      targets: t === x ? fromNDArray(slice(x, [start, 0], [n, dIn])) : fromNDArray(slice(t, [start, 0], [n, dOut])),
    });
  }
  return { network: net, batches, cases, reduction, dtype, normalizer: lossNormalizer(net.loss, reduction, cases, dOut) };
}

/** θ as a tensor in the risk's dtype (checked against the layout). */
export function paramsTensor(risk: EmpiricalRisk, theta: Float64Array): Tensor {
  risk.network.layout.checkLength(theta.length);
  return tensor(theta, { dtype: risk.dtype });
}

/** The summed loss of one batch as a function of θ. */
export function batchLossSum(risk: EmpiricalRisk, batch: RiskBatch): (theta: Tensor) => Tensor {
  return (theta) => lossSum(risk.network.loss, forward(risk.network, theta, batch.inputs), batch.targets);
}

function squaredNorm(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return s;
}

/** L(θ). */
export function riskValue(risk: EmpiricalRisk, theta: Float64Array): number {
  const th = paramsTensor(risk, theta);
  let total = 0;
  for (const batch of risk.batches) total += batchLossSum(risk, batch)(th).item();
  return total / risk.normalizer + 0.5 * risk.network.weightDecay * squaredNorm(theta);
}

/** L(θ) and ∇L(θ) (float64). */
export function riskValueAndGrad(risk: EmpiricalRisk, theta: Float64Array): { value: number; grad: Float64Array } {
  const th = paramsTensor(risk, theta);
  const grad = new Float64Array(theta.length);
  let total = 0;
  for (const batch of risk.batches) {
    const [v, g] = valueAndGrad(batchLossSum(risk, batch))(th);
    total += v.item();
    const gd = g.data();
    for (let i = 0; i < grad.length; i++) grad[i]! += gd[i]!;
  }
  const wd = risk.network.weightDecay;
  for (let i = 0; i < grad.length; i++) grad[i] = grad[i]! / risk.normalizer + wd * theta[i]!;
  return { value: total / risk.normalizer + 0.5 * wd * squaredNorm(theta), grad };
}
