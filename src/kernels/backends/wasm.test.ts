/** @file the WebAssembly backend's own parts: split products, workers that fail, and what it leaves to TypeScript */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../random.js";
import type { GemmCall } from "./backend.js";
import { referenceBackend } from "./reference.js";
import { wasmBackend } from "./wasm.js";
import { nodeWasmBackend } from "./wasmNode.js";

function call(rng: Rng, m: number, k: number, n: number, transA: boolean, transB: boolean, beta: number): { call: GemmCall; want: Float64Array } {
  const a = Float64Array.from({ length: m * k }, () => rng.uniform() - 0.5);
  const b = Float64Array.from({ length: k * n }, () => rng.uniform() - 0.5);
  const c = Float64Array.from({ length: m * n }, () => rng.uniform() - 0.5);
  const want = Float64Array.from(c);
  const base = { transA, transB, m, n, k, alpha: 1, a, lda: transA ? m : k, b, ldb: transB ? k : n, beta, ldc: n };
  referenceBackend.gemm({ ...base, c: want });
  return { call: { ...base, c }, want };
}

function maxAbsDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i]! - y[i]!));
  return d;
}

test("products larger than the staging limit are split by rows and by depth and still exact [seed 3]", () => {
  const backend = wasmBackend({ stagingLimitBytes: 64 << 10 });
  assert.ok(backend !== null, "WebAssembly SIMD is available on Node ≥ 16");
  const rng = new Rng(3);
  for (const [m, k, n, beta] of [[200, 30, 40, 0], [9, 900, 20, 1], [3, 2000, 5, 0.5]] as const) {
    for (const transA of [false, true]) {
      const { call: c, want } = call(rng, m, k, n, transA, !transA, beta);
      backend.gemm(c);
      assert.ok(maxAbsDiff(c.c, want) < 1e-12, `${m}×${k}×${n}: ${maxAbsDiff(c.c, want)}`);
    }
  }
});

test("float64 layer steps stay in TypeScript, as do activations the module lacks", () => {
  const backend = wasmBackend();
  assert.ok(backend?.activate !== undefined && backend.sigmoidCrossEntropy !== undefined && backend.backwardStep !== undefined);
  const f64 = (): Float64Array => new Float64Array(4);
  assert.equal(backend.activate("sigmoid", f64(), f64(), f64(), null, 1, 4), false);
  assert.equal(backend.activate("tanh", new Float32Array(4), new Float32Array(4), new Float32Array(4), null, 1, 4), false);
  assert.equal(backend.sigmoidCrossEntropy(f64(), f64(), f64(), null, 4), null);
  assert.equal(backend.backwardStep(f64(), f64(), null, null, f64(), 1, 4), false);
  assert.equal(backend.rForwardStep?.(f64(), f64(), f64(), null, null, 1, 4), false);
});

test("a worker that fails to start is reported once and products run on the calling thread", async () => {
  const notices: string[] = [];
  const backend = wasmBackend({
    threads: 3,
    spawnWorker: (_init, onError) => setTimeout(() => onError(new Error("no workers here")), 1),
    notice: (line) => notices.push(line),
  });
  assert.ok(backend !== null);
  await new Promise((r) => setTimeout(r, 20));
  await backend.whenReady?.();
  assert.equal(notices.length, 1);
  assert.match(notices[0]!, /no workers here/);
  assert.equal(backend.threads, 1);
  const { call: c, want } = call(new Rng(8), 130, 300, 70, false, false, 0);
  backend.gemm(c);
  assert.ok(maxAbsDiff(c.c, want) < 1e-12);
});

test("Node's threaded backend brings its worker up and splits products between two threads", async () => {
  const backend = nodeWasmBackend(2);
  assert.ok(backend !== null);
  await backend.whenReady?.();
  assert.equal(backend.threads, 2);
  assert.equal(backend.withThreads?.(1).threads, 1);
  const { call: c, want } = call(new Rng(9), 300, 200, 150, true, false, 1);
  backend.gemm(c);
  assert.ok(maxAbsDiff(c.c, want) < 1e-12);
});
