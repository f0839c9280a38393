/** @file the kernels layer's public face: typed-array math with no autodiff */
export * from "./ndarray.js";
export * from "./elementwise.js";
export * from "./movement.js";
export * from "./reduce.js";
export * from "./matmul.js";
export * from "./random.js";
export * as special from "./special.js";
