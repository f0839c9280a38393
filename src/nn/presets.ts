/** @file network builders: mlp() and the deep autoencoders of Martens (2010) */
import { ShapeError } from "../kernels/ndarray.js";
import type { Activation } from "./activations.js";
import type { LossName } from "./losses.js";
import { network, type Network } from "./network.js";

/** Options of mlp(). */
export interface MlpOptions {
  /** Activation of every hidden layer. */
  readonly hidden: Activation;
  /** Activation of the last layer (must be linear with the cross-entropy losses). */
  readonly output: Activation;
  readonly loss: LossName;
  readonly weightDecay?: number;
}

/** A multilayer perceptron through the given sizes [d₀, d₁, …, d_L]. */
export function mlp(sizes: readonly number[], options: MlpOptions): Network {
  if (sizes.length < 2) throw new ShapeError(`mlp: needs at least input and output sizes, got [${sizes.join(", ")}]`);
  const layers = sizes.slice(1).map((outputs, i) => ({
    inputs: sizes[i]!,
    outputs,
    activation: i === sizes.length - 2 ? options.output : options.hidden,
  }));
  return network(layers, options.loss, options.weightDecay ?? 0);
}

/** Encoder sizes of Martens' (2010) autoencoders; the decoder mirrors them. */
export const AUTOENCODER_PRESETS = {
  curves: [784, 400, 200, 100, 50, 25, 6],
  mnist: [784, 1000, 500, 250, 30],
  faces: [625, 2000, 1000, 500, 30],
} as const;

/** A preset name. */
export type AutoencoderPreset = keyof typeof AUTOENCODER_PRESETS;

/** Options of autoencoder(). */
export interface AutoencoderOptions {
  /** Hidden units (logistic in Martens 2010). */
  readonly hidden?: Activation;
  /** Output treatment: logistic units with cross-entropy (CURVES, MNIST) or linear with squared error (FACES). */
  readonly output?: "logistic" | "linear";
  readonly weightDecay?: number;
}

/**
 * A deep autoencoder mirroring the encoder sizes: hidden units logistic, the code layer linear,
 * and logistic outputs with cross-entropy — written as a linear last layer + sigmoid_cross_entropy,
 * so the GGN splits at the logits — or linear outputs with squared error.
 */
export function autoencoder(encoder: readonly number[], options: AutoencoderOptions = {}): Network {
  if (encoder.length < 2) throw new ShapeError("autoencoder: needs at least input and code sizes");
  const sizes = [...encoder, ...encoder.slice(0, -1).reverse()];
  const codeLayer = encoder.length - 2; // index of the layer that produces the code
  const hidden = options.hidden ?? "sigmoid";
  const output = options.output ?? "logistic";
  const layers = sizes.slice(1).map((outputs, i) => ({
    inputs: sizes[i]!,
    outputs,
    activation: (i === codeLayer || i === sizes.length - 2 ? "linear" : hidden) satisfies Activation,
  }));
  return network(layers, output === "logistic" ? "sigmoid_cross_entropy" : "mse", options.weightDecay ?? 0);
}

/** One of Martens' autoencoders by name (FACES: linear output + squared error). */
export function autoencoderPreset(name: AutoencoderPreset, options: Omit<AutoencoderOptions, "output"> = {}): Network {
  return autoencoder(AUTOENCODER_PRESETS[name], { ...options, output: name === "faces" ? "linear" : "logistic" });
}
