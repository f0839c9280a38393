/** @file the autodiff layer's public face */
export { Tensor, tensor, fromNDArray, fill, concat, type TensorLike, type TensorOptions } from "./tensor.js";
export { grad, valueAndGrad, jvp, vjp, hvp, jacobian, hessian, type TensorFn, type VjpResult } from "./api.js";
export { primitives, type PrimitiveName } from "./registry.js";
