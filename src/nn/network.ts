/** @file a dense network: layers z = a·W + b, a = f(z), over one flat parameter vector */
import type { Tensor } from "../autodiff/index.js";
import { formatShape, ShapeError } from "../kernels/ndarray.js";
import { activate, type Activation } from "./activations.js";
import type { LossName } from "./losses.js";
import { ParamLayout } from "./paramLayout.js";

/** One dense layer: sizes and activation. */
export interface DenseLayer {
  readonly inputs: number;
  readonly outputs: number;
  readonly activation: Activation;
}

/**
 * A feed-forward network of dense layers and the loss it is trained with. Weights are stored
 * [in, out] inside θ so that z = a·W + b reads as in the report; files use PyTorch's [out, in].
 */
export interface Network {
  readonly layers: readonly DenseLayer[];
  readonly loss: LossName;
  /** λ of the penalty ½·λ·‖θ‖² (0 for none). */
  readonly weightDecay: number;
  readonly layout: ParamLayout;
}

/** Name of layer i's weight inside θ (and in model files). */
export const weightName = (i: number): string => `layers.${i}.weight`;
/** Name of layer i's bias inside θ (and in model files). */
export const biasName = (i: number): string => `layers.${i}.bias`;

/** Builds a network from layer specs; consecutive sizes must chain. */
export function network(layers: readonly DenseLayer[], loss: LossName, weightDecay = 0): Network {
  if (layers.length === 0) throw new ShapeError("network: needs at least one layer");
  layers.forEach((l, i) => {
    if (!Number.isInteger(l.inputs) || !Number.isInteger(l.outputs) || l.inputs < 1 || l.outputs < 1) {
      throw new ShapeError(`network: layer ${i} has invalid sizes ${l.inputs}→${l.outputs}`);
    }
    const prev = layers[i - 1];
    if (prev !== undefined && prev.outputs !== l.inputs) {
      throw new ShapeError(`network: layer ${i - 1} outputs ${prev.outputs} but layer ${i} takes ${l.inputs}`);
    }
  });
  if (loss !== "mse" && layers[layers.length - 1]!.activation !== "linear") {
    throw new ShapeError(`network: with ${loss} the last layer must be linear (the loss applies the sigmoid/softmax)`);
  }
  if (!Number.isFinite(weightDecay) || weightDecay < 0) throw new ShapeError(`network: invalid weight decay ${weightDecay}`);
  const layout = new ParamLayout(
    layers.flatMap((l, i) => [
      { name: weightName(i), shape: [l.inputs, l.outputs] },
      { name: biasName(i), shape: [l.outputs] },
    ]),
  );
  return { layers: [...layers], loss, weightDecay, layout };
}

/** What a forward pass keeps per layer: its input a⁽ˡ⁻¹⁾ and pre-activation z⁽ˡ⁾. */
export interface LayerTrace {
  readonly input: Tensor;
  readonly preActivation: Tensor;
}

/**
 * The forward pass over a batch x [B, d₀]: returns the network output (the last layer's
 * activation; for cross-entropy losses these are the logits) and, per layer, its input and z.
 */
export function forwardTrace(net: Network, theta: Tensor, x: Tensor): { output: Tensor; layers: LayerTrace[] } {
  const first = net.layers[0]!;
  if (x.rank !== 2 || x.shape[1] !== first.inputs) {
    throw new ShapeError(`forward: inputs ${formatShape(x.shape)} do not match the model's input width ${first.inputs}`);
  }
  if (x.dtype !== theta.dtype) throw new ShapeError(`forward: inputs are ${x.dtype} but parameters are ${theta.dtype}`);
  let a = x;
  const layers: LayerTrace[] = [];
  net.layers.forEach((layer, i) => {
    const W = net.layout.tensor(theta, weightName(i));
    const b = net.layout.tensor(theta, biasName(i));
    const z = a.matmul(W).add(b);
    layers.push({ input: a, preActivation: z });
    a = activate(layer.activation, z);
  });
  return { output: a, layers };
}

/** The network as a function (θ, x) ↦ y. */
export function forward(net: Network, theta: Tensor, x: Tensor): Tensor {
  return forwardTrace(net, theta, x).output;
}
