// The browser side of test/browser.test.ts: the WebAssembly backend from dist/, two threads
// (a module Worker running serveGemmWorker), checked against plain loops in float64.
import { activationCode } from "/dist/kernels/activations.js";
import { wasmBackend } from "/dist/kernels/backends/wasm.js";

function reference(m, n, k, a, b) {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) c[i * n + j] += a[i * k + p] * b[p * n + j];
  return c;
}

async function run() {
  let workerError = null;
  const backend = wasmBackend({
    threads: 2,
    spawnWorker: (init, onError) => {
      const w = new Worker("/test/browser/worker.js", { type: "module" });
      w.onerror = (e) => onError(new Error(e.message));
      w.postMessage(init);
    },
    notice: (line) => (workerError = line),
  });
  await backend.whenReady();
  const [m, n, k] = [300, 150, 200];
  const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i) / 2);
  const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i) / 2);
  const c = new Float32Array(m * n);
  backend.gemm({ transA: false, transB: false, m, n, k, alpha: 1, a, lda: k, b, ldb: n, beta: 0, c, ldc: n });
  const want = reference(m, n, k, a, b);
  let maxErr = 0;
  for (let i = 0; i < m * n; i++) maxErr = Math.max(maxErr, Math.abs(c[i] - want[i]));
  const z = Float32Array.of(-3, -0.5, 0, 0.5, 3, 20, -20);
  const d1 = new Float32Array(z.length);
  const s = Float32Array.from(z);
  backend.activate(activationCode("sigmoid"), s, new Float32Array(z.length), d1, null, 1, z.length);
  let sigmoidErr = 0;
  z.forEach((x, i) => (sigmoidErr = Math.max(sigmoidErr, Math.abs(s[i] - 1 / (1 + Math.exp(-x))))));
  return { name: backend.name, threads: backend.threads, crossOriginIsolated: self.crossOriginIsolated, maxErr, sigmoidErr, workerError };
}

run().then(
  (r) => (window.__result = r),
  (e) => (window.__result = { error: String(e && e.stack ? e.stack : e) }),
);
