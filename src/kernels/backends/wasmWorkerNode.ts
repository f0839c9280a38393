/** @file the entry point of a Node worker thread serving WebAssembly GEMM jobs */
import { workerData } from "node:worker_threads";
import { serveGemmWorker, type GemmWorkerInit } from "./wasmThreads.js";

serveGemmWorker(workerData as GemmWorkerInit);
