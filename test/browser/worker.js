// A GEMM worker: the first message carries its module, shared memory and index.
import { serveGemmWorker } from "/dist/kernels/backends/wasmThreads.js";

self.onmessage = (e) => serveGemmWorker(e.data);
