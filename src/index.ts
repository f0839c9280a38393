/** @file hessian-lab's public, browser-safe API (Node file I/O lives in node.ts) */
export * as kernels from "./kernels/index.js";
export { ndarray, ShapeError, type DType, type NDArray, type TypedArray } from "./kernels/ndarray.js";
export { Rng, type RngState } from "./kernels/random.js";
export * from "./autodiff/index.js";
export * from "./nn/index.js";
export * as linalg from "./linalg/index.js";
export type { LinearOperator } from "./linalg/linearOperator.js";
export { dot, norm } from "./linalg/vector.js";
export * from "./curvature/empiricalRisk.js";
export * from "./curvature/operators.js";
export { parseSafetensors, serializeSafetensors, SafetensorsError, type SafetensorsContents } from "./data/safetensors.js";
export * from "./data/dataset.js";
export * from "./curvature/criticalPoint.js";
export * from "./curvature/taylor.js";
export * from "./curvature/spectrum.js";
