/** @file the Node entry, the only door to Node: the browser-safe API plus file I/O, MNIST from disk, PNG, native and threaded backends */
export * from "./index.js";
export * from "./files/modelFile.js";
export { readSafetensorsFile, writeSafetensorsFile } from "./data/safetensorsFile.js";
export { processExists, removeStaleTemps, writeFileAtomic } from "./data/atomicWrite.js";
export { loadMnist, readMnistData, readMnistFiles, mnistPackageDir, type LoadMnistOptions } from "./data/mnistFile.js";
export { readCheckpoint, writeCheckpoint, checkpointPath } from "./data/checkpointFile.js";
export { svgToPng, renderChart, type PngOptions, type RenderedChart } from "./plot/png.js";
export { installBackend, type BackendChoice } from "./kernels/backends/install.js";
export { ALLOCATOR_POLICY, tuneAllocator } from "./kernels/backends/allocator.js";
