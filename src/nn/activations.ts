/** @file the activation functions a dense layer may use, by the names model files carry */
import type { Tensor } from "../autodiff/index.js";

/** Activation names as written in model files' `activations` metadata. */
export const ACTIVATIONS = ["relu", "sigmoid", "tanh", "softplus", "gelu", "gelu_tanh", "leaky_relu", "linear"] as const;

/** One of ACTIVATIONS. */
export type Activation = (typeof ACTIVATIONS)[number];

/** Whether a string names a known activation. */
export function isActivation(name: string): name is Activation {
  return (ACTIVATIONS as readonly string[]).includes(name);
}

/** a = f(z) for a named activation (leaky_relu uses PyTorch's slope 0.01). */
export function activate(name: Activation, z: Tensor): Tensor {
  switch (name) {
    case "relu":
      return z.relu();
    case "sigmoid":
      return z.sigmoid();
    case "tanh":
      return z.tanh();
    case "softplus":
      return z.softplus();
    case "gelu":
      return z.gelu("none");
    case "gelu_tanh":
      return z.gelu("tanh");
    case "leaky_relu":
      return z.leakyRelu(0.01);
    case "linear":
      return z;
  }
}
