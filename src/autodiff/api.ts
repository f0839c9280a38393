/** @file the transformations: jvp, vjp, grad, valueAndGrad, hvp, jacobian, hessian (JAX names) */
import * as k from "../kernels/index.js";
import {
  backpropagate,
  concat,
  fill,
  fromNDArray,
  JvpTracer,
  leafNode,
  Tensor,
  VjpTracer,
  withTrace,
} from "./tensor.js";

/** A function of tensors to one tensor. */
export type TensorFn = (...args: Tensor[]) => Tensor;

/** The result of vjp: the value and a pullback from an output cotangent to input cotangents. */
export interface VjpResult {
  readonly value: Tensor;
  readonly pullback: (cotangent: Tensor) => Tensor[];
}

function checkLike(op: string, what: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype || !k.sameShape(a.shape, b.shape)) {
    throw new k.ShapeError(
      `${op}: ${what} ${b.dtype} ${k.formatShape(b.shape)} does not match ${a.dtype} ${k.formatShape(a.shape)}`,
    );
  }
}

/**
 * Forward mode: f(primals) and its directional derivative J·tangents, in one pass.
 * Returns [value, tangent].
 */
export function jvp(f: TensorFn, primals: readonly Tensor[], tangents: readonly Tensor[]): [Tensor, Tensor] {
  if (primals.length !== tangents.length) {
    throw new Error(`jvp: ${primals.length} primals but ${tangents.length} tangents`);
  }
  primals.forEach((p, i) => checkLike("jvp", `tangent ${i}`, p, tangents[i]!));
  return withTrace("jvp", (level) => {
    const out = f(...primals.map((p, i) => new JvpTracer(level, p, tangents[i]!)));
    if (out instanceof JvpTracer && out.level === level) return [out.primal, out.tangent ?? out.primal.zerosLike()];
    return [out, out.zerosLike()];
  });
}

/** Reverse mode: f(primals) and a pullback ct ↦ (Jᵀct per input). The pullback may be called often. */
export function vjp(f: TensorFn, primals: readonly Tensor[]): VjpResult {
  const leaves = primals.map(() => leafNode());
  const { out, level } = withTrace("vjp", (lvl) => ({
    out: f(...primals.map((p, i) => new VjpTracer(lvl, p, leaves[i]!))),
    level: lvl,
  }));
  const node = out instanceof VjpTracer && out.level === level ? out.node : null;
  const value = out instanceof VjpTracer && out.level === level ? out.primal : out;
  const zeros = (): Tensor[] => primals.map((p) => p.zerosLike());
  return {
    value,
    pullback: (cotangent) => {
      checkLike("vjp", "cotangent", value, cotangent);
      return node === null ? zeros() : backpropagate(node, cotangent, leaves, zeros);
    },
  };
}

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
