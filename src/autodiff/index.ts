/** @file the autodiff layer's public face */
export { Tensor, type TensorLike } from "./tensor.js";
export { tensor, fromNDArray, fill, concat, type TensorOptions } from "./creation.js";
export { grad, valueAndGrad, jvp, vjp, hvp, jacobian, hessian, type TensorFn, type VjpResult } from "./api.js";
export { primitives, type PrimitiveName } from "./registry.js";
