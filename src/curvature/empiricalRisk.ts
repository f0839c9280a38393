/** @file EmpiricalRisk: a network's loss over a whole data set, evaluated batch by batch but reduced exactly */
import { astype, formatShape, ShapeError, slice, type DType, type NDArray } from "../kernels/index.js";
import type { EngineBatch } from "../nn/engine.js";
import { lossNormalizer, type Network, type Reduction } from "../nn/index.js";

/** One chunk of the data set, already in the risk's dtype. */
export type RiskBatch = EngineBatch;

/**
 * Which engine computes the risk's passes: "fused" (the dense network's layer-fused passes on the
 * GEMM backend, the default) or "autodiff" (generic Tensor autodiff: slower, the reference that
 * the fused engine is tested against).
 */
export type EngineKind = "fused" | "autodiff";

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
  readonly engine: EngineKind;
}

/** Options of empiricalRisk. */
export interface EmpiricalRiskOptions {
  /** Rows per chunk (default: all at once up to 1000). */
  readonly batchSize?: number;
  readonly reduction?: Reduction;
  /** Compute dtype (default: the inputs' dtype). */
  readonly dtype?: DType;
  /** Default "fused". */
  readonly engine?: EngineKind;
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
    // copies: the risk does not change when the caller's arrays do; an autoencoder's batch is its
    // own target (one array, not two)
    const inputsPart = slice(x, [start, 0], [n, dIn]).data;
    batches.push({ inputs: inputsPart, targets: t === x ? inputsPart : slice(t, [start, 0], [n, dOut]).data, rows: n });
  }
  const normalizer = lossNormalizer(net.loss, reduction, cases, dOut);
  return { network: net, batches, cases, reduction, dtype, normalizer, engine: options.engine ?? "fused" };
}
