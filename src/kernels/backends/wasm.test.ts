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

test("the fused sigmoid epilogue gives exactly gemm then activate, on one thread and two, and declines what it does not fuse", async () => {
  const threaded = nodeWasmBackend(2);
  assert.ok(threaded !== null);
  await threaded.whenReady?.();
  const rng = new Rng(13);
  const rand = (n: number, scale: number): Float32Array => Float32Array.from({ length: n }, () => (rng.uniform() - 0.5) * scale);
  for (const backend of [wasmBackend()!, threaded]) {
    // threads share 130×300 and 300×1024 by columns (the epilogue runs after the tiles), 601×200 by
    // rows (each chunk's rows right after its tiles); 5×3 runs on one thread
    for (const [m, n, k] of [[130, 300, 70], [5, 3, 2], [300, 1024, 40], [601, 200, 50]] as const) {
      const a = rand(m * k, 2);
      const b = rand(k * n, 1);
      const bias = rand(n, 1);
      for (const second of [false, true]) {
        const call = (c: Float32Array) => ({ transA: false, transB: false, m, n, k, alpha: 1, a, lda: k, b, ldb: n, beta: 0, c, ldc: n });
        const [c1, d1, d2] = [new Float32Array(m * n), new Float32Array(m * n), second ? new Float32Array(m * n) : null];
        backend.gemm(call(c1));
        assert.equal(backend.activate!("sigmoid", c1, bias, d1, d2, m, n), true);
        const [c2, e1, e2] = [new Float32Array(m * n).fill(NaN), new Float32Array(m * n).fill(NaN), second ? new Float32Array(m * n).fill(NaN) : null];
        assert.equal(backend.gemmActivate!(call(c2), "sigmoid", bias, e1, e2), true);
        assert.deepEqual(c2, c1, `${backend.name} ${m}×${n}×${k}: activations`);
        assert.deepEqual(e1, d1, `${backend.name} ${m}×${n}×${k}: σ′`);
        if (second) assert.deepEqual(e2, d2, `${backend.name} ${m}×${n}×${k}: σ″`);
      }
    }
    const f32 = (n: number): Float32Array => new Float32Array(n);
    const base = { transA: false, transB: false, m: 2, n: 4, k: 3, alpha: 1, a: f32(6), lda: 3, b: f32(12), ldb: 4, beta: 0, c: f32(8), ldc: 4 };
    const untouched = (call: typeof base, act = "sigmoid"): boolean => backend.gemmActivate!(call, act, f32(4), f32(8), null);
    assert.equal(untouched({ ...base, beta: 1 }), false, "β ≠ 0");
    assert.equal(untouched({ ...base, alpha: 2 }), false, "α ≠ 1");
    assert.equal(untouched(base, "tanh"), false, "an activation the module lacks");
    assert.equal(backend.gemmActivate!({ ...base, m: 1, n: 1100, b: f32(3300), ldb: 1100, c: f32(1100), ldc: 1100 }, "sigmoid", f32(1100), f32(1100), null), false, "wider than one panel");
    assert.equal(backend.gemmActivate!({ ...base, a: new Float64Array(6), b: new Float64Array(12), c: new Float64Array(8) }, "sigmoid", new Float64Array(4), new Float64Array(8), null), false, "float64");
  }
});
