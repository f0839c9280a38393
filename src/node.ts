/** @file the Node entry: the browser-safe public API plus file I/O (model, vector, data, checkpoint files) */
export * from "./index.js";
export * from "./files/modelFile.js";
export { readSafetensorsFile, writeSafetensorsFile } from "./data/safetensorsFile.js";
export { writeFileAtomic } from "./data/atomicWrite.js";
