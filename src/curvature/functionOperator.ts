/** @file the Hessian of any scalar function at a point as a LinearOperator, for the linalg solvers */
import { hvp, tensor, type Tensor } from "../autodiff/index.js";
import { checkOperand, type LinearOperator } from "../linalg/linearOperator.js";

/**
 * ∇²f(x) as an operator v ↦ hvp(f, x, v) (forward-over-reverse: one jvp of the gradient per
 * product), never formed — so lanczos, cg, minres, hutchinson and spectralDensity apply to any
 * function of a flat vector, not only to a network's risk. x is copied; products are float64.
 */
export function hessianOperatorOf(f: (x: Tensor) => Tensor, x: Float64Array | Float32Array | Tensor): LinearOperator {
  const point = x instanceof Float64Array || x instanceof Float32Array ? tensor(Float64Array.from(x)) : tensor(Float64Array.from(x.data()), { shape: [...x.shape] });
  if (point.shape.length !== 1) throw new RangeError(`hessianOperatorOf: x must be a flat vector, got shape [${point.shape.join(", ")}]`);
  const n = point.size;
  const shape = [n, n] as const;
  return {
    shape,
    symmetric: true,
    matvec(v) {
      checkOperand("hessianOperatorOf", shape, v);
      return Float64Array.from(hvp(f, point, tensor(v)).data());
    },
  };
}
