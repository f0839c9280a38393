/** @file the WebAssembly backend's Node edge: relaxed SIMD switched on, and worker_threads as its workers */
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";
import type { GemmBackend } from "./backend.js";
import { wasmBackend } from "./wasm.js";
import type { SpawnGemmWorker } from "./wasmThreads.js";

// Node 20's V8 (11.3) has relaxed SIMD behind a flag (on by default from Node 22 and Chrome 114).
// The flag only widens what WebAssembly.validate accepts, so setting it before the module is
// compiled is safe; the backend still falls back to mul + add where validation fails.
let relaxedSimdRequested = false;
function requestRelaxedSimd(): void {
  if (relaxedSimdRequested) return;
  relaxedSimdRequested = true;
  setFlagsFromString("--experimental-wasm-relaxed-simd");
}

// Built code runs dist/…/wasmWorkerNode.js directly. Tests run the TypeScript sources through tsx,
// whose loader hooks Node 20 does not carry into workers, so there the worker registers tsx first.
const FROM_SOURCE = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(`./wasmWorkerNode.${FROM_SOURCE ? "ts" : "js"}`, import.meta.url);
const SOURCE_BOOTSTRAP = `
  const { workerData } = require("node:worker_threads");
  import("tsx/esm/api").then((tsx) => { tsx.register(); return import(workerData.entry); });
`;

const spawnNodeWorker: SpawnGemmWorker = (init, onError) => {
  const worker = FROM_SOURCE
    ? new Worker(SOURCE_BOOTSTRAP, { eval: true, workerData: { ...init, entry: WORKER_URL.href } })
    : new Worker(WORKER_URL, { workerData: init });
  worker.on("error", onError);
  // the worker waits for jobs forever; it must not keep the process alive
  worker.unref();
};

/** The WebAssembly backend with `threads` threads per product (default 2), or null without WebAssembly SIMD. */
export function nodeWasmBackend(threads = 2, notice?: (line: string) => void): GemmBackend | null {
  requestRelaxedSimd();
  return wasmBackend({ threads, spawnWorker: spawnNodeWorker, ...(notice === undefined ? {} : { notice }) });
}
