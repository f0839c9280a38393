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
export * from "./curvature/kroneckerFactors.js";
export * from "./curvature/kfac.js";
export {
  DEFAULT_MAX_HEADER_BYTES,
  parseSafetensors,
  serializeSafetensors,
  SafetensorsError,
  type ParseSafetensorsOptions,
  type SafetensorsContents,
} from "./data/safetensors.js";
export * from "./data/dataset.js";
export * from "./files/modelCodec.js";
export { decodeCheckpoint, encodeCheckpoint, MAX_CHECKPOINT_DEPTH, type CheckpointValue, type Digest } from "./data/checkpoint.js";
export { loadCurves, generateCurves } from "./data/curves.js";
export { parseIdx, expectIdx, IdxError, type IdxArray, type IdxType, type IdxData, type ParseIdxOptions } from "./data/idx.js";
export { parseMnist, mnistSplit, MNIST_FILES, MNIST_TRAIN_COUNT, MNIST_TEST_COUNT, type MnistData, type MnistFiles, type MnistOptions, type MnistPart } from "./data/mnist.js";
export { BatchSampler, takeRows, type BatchSamplerState } from "./data/batches.js";
export * from "./curvature/criticalPoint.js";
export * from "./curvature/taylor.js";
export * from "./curvature/spectrum.js";
export * from "./curvature/functionOperator.js";
export * from "./curvature/landscape.js";
export * from "./curvature/blockSpectrum.js";
export * from "./curvature/metrics.js";
export * from "./optim/index.js";
export * from "./plot/index.js";
export * from "./curvature/riskLoop.js";
export * from "./curvature/exampleGradients.js";
export type { EngineBatch, LayerBackprop, NetworkEngine, OutputCurvature, ProductOptions } from "./nn/engine.js";
export { gemmBackend, setGemmBackend, type GemmBackend } from "./kernels/backends/backend.js";
// The browser's fast backend: WebAssembly SIMD, on worker threads where the page is cross-origin
// isolated. A page starts workers that each run `serveGemmWorker(message.data)` on the first
// message, and passes `spawnWorker: (init, onError) => { const w = new Worker(url, { type: "module" });
// w.onerror = (e) => onError(new Error(e.message)); w.postMessage(init); }`.
export { wasmBackend, type WasmBackendOptions } from "./kernels/backends/wasm.js";
export { serveGemmWorker, type GemmWorkerInit, type SpawnGemmWorker } from "./kernels/backends/wasmThreads.js";
