/** @file the Node entry: the browser-safe public API plus file I/O (model, vector, data, checkpoint files) */
export * from "./index.js";
export * from "./files/modelFile.js";
export { readSafetensorsFile, writeSafetensorsFile } from "./data/safetensorsFile.js";
export { writeFileAtomic } from "./data/atomicWrite.js";
export { loadMnist, type LoadMnistOptions } from "./data/mnist.js";
export { loadCurves, generateCurves } from "./data/curves.js";
export { BatchSampler, takeRows, type BatchSamplerState } from "./data/batches.js";
export { readCheckpoint, writeCheckpoint, checkpointPath } from "./data/checkpointFile.js";
export type { CheckpointValue } from "./data/checkpoint.js";
export { svgToPng, renderChart, type PngOptions, type RenderedChart } from "./plot/png.js";
export { installBackend, type BackendChoice } from "./kernels/backends/install.js";
