/** @file the transformations (JAX names): jvp and vjp, and grad, valueAndGrad, hvp, jacobian, hessian built on them */
import * as k from "../kernels/index.js";
import { concat, fill, fromNDArray } from "./creation.js";
import { jvp } from "./jvp.js";
import type { Tensor } from "./tensor.js";
import { vjp } from "./vjp.js";

export { jvp } from "./jvp.js";
export { vjp, type VjpResult } from "./vjp.js";
export type { TensorFn } from "./trace.js";

/** f(x) and ∇f(x) for a scalar-valued f (one element). */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor) => [Tensor, Tensor] {
  return (x) => {
    const { value, pullback } = vjp(f, [x]);
    if (value.size !== 1) {
      throw new k.ShapeError(
        `grad: the function must return a scalar, but it returned shape ${k.formatShape(value.shape)}`,
      );
    }
    return [value, pullback(fill(value.shape, 1, value.dtype))[0]!];
  };
}

/** ∇f for a scalar-valued f. */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor) => Tensor {
  const vg = valueAndGrad(f);
  return (x) => vg(x)[1];
}

/** Hessian-vector product ∇²f(x)·v without forming the Hessian: forward-over-reverse, jvp(∇f). */
export function hvp(f: (x: Tensor) => Tensor, x: Tensor, v: Tensor): Tensor {
  return jvp(grad(f), [x], [v])[1];
}

/**
 * The Jacobian of f at x, shaped [...f(x).shape, ...x.shape]. Uses forward mode (one jvp per input
 * element) when the input is no larger than the output, reverse mode (one pullback per output
 * element) otherwise. Built from Tensor ops, so it is itself differentiable.
 */
export function jacobian(f: (x: Tensor) => Tensor): (x: Tensor) => Tensor {
  return (x) => {
    const { value, pullback } = vjp(f, [x]);
    const n = x.size;
    const m = value.size;
    if (n <= m) {
      const columns = basis(x).map((e) => jvp(f, [x], [e])[1].reshape([m, 1]));
      return concatOrEmpty(columns, 1, [m, n], x).reshape([...value.shape, ...x.shape]);
    }
    const rows = basis(value).map((e) => pullback(e)[0]!.reshape([1, n]));
    return concatOrEmpty(rows, 0, [m, n], x).reshape([...value.shape, ...x.shape]);
  };
}

/** The dense Hessian of a scalar f at x, shaped [...x.shape, ...x.shape] (forward-over-reverse). */
export function hessian(f: (x: Tensor) => Tensor): (x: Tensor) => Tensor {
  return jacobian(grad(f));
}

/** The unit tensors e₀, e₁, … shaped like t. */
function basis(t: Tensor): Tensor[] {
  return Array.from({ length: t.size }, (_, i) => {
    const data = k.zeros(t.shape, t.dtype);
    data.data[i] = 1;
    return fromNDArray(data);
  });
}

function concatOrEmpty(parts: Tensor[], axis: number, shape: readonly number[], like: Tensor): Tensor {
  return parts.length === 0 ? fill(shape, 0, like.dtype) : concat(parts, axis);
}
