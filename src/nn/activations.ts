/** @file the activation functions a dense layer may use, by the names model files carry */
import type { Tensor } from "../autodiff/index.js";
import { ACTIVATIONS, LEAKY_SLOPE, type ActivationName } from "../kernels/activations.js";

/** Activation names as written in model files' `activations` metadata (kernels/activations.ts holds their table). */
export { ACTIVATIONS };

/** One of ACTIVATIONS. */
export type Activation = ActivationName;

/** Whether a string names a known activation. */
export function isActivation(name: string): name is Activation {
  return (ACTIVATIONS as readonly string[]).includes(name);
}

/** a = f(z) for a named activation, on Tensors (so it differentiates again); leaky_relu uses PyTorch's slope 0.01. */
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
      return z.leakyRelu(LEAKY_SLOPE);
    case "linear":
      return z;
  }
}
