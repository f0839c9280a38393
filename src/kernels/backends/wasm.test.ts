/** @file the WebAssembly backend's own parts: split products, workers that fail, and what it hands to TypeScript */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../random.js";
import { ACTIVATION_TABLE, type ActivationCode } from "../activations.js";
import type { TypedArray } from "../ndarray.js";
import type { GemmCall, LayerSteps } from "./backend.js";
import { portableLayerSteps } from "./portableLayerSteps.js";
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

test("float64 layer steps, and activations the module lacks, give exactly the TypeScript results", () => {
  const backend = wasmBackend();
  assert.ok(backend !== null);
  const rng = new Rng(4);
  const [rows, width] = [3, 7];
  const n = rows * width;
  const rand = (make: (n: number) => TypedArray, size: number): TypedArray => {
    const a = make(size);
    for (let i = 0; i < size; i++) a[i] = rng.uniform() * 4 - 2;
    return a;
  };
  const f64 = (size: number): Float64Array => new Float64Array(size);
  const [g, d1, rg, d2, rz, vb, y, t] = [n, n, n, n, n, width, n, n].map((size) => rand(f64, size));
  const run = (steps: LayerSteps): number[][] => {
    const [gg, rr, b, z, p2, grad, h] = [g!.slice(), rg!.slice(), f64(width), rz!.slice(), f64(n), f64(n), f64(n)];
    steps.backwardStep(gg, d1!, rr, d2!, b, rows, width);
    steps.rForwardStep(z, vb!, d1!, d2!, p2, rows, width);
    const value = steps.sigmoidCrossEntropy(y!, t!, grad, { u: rz!, out: h, scale: 0.3 }, n);
    return [[value], ...[gg, rr, b, z, p2, grad, h].map((a) => Array.from(a))];
  };
  assert.deepEqual(run(backend), run(portableLayerSteps), "float64 steps");
  const makers: ((size: number) => TypedArray)[] = [f64, (size) => new Float32Array(size)];
  for (const make of makers) {
    const [c, bias] = [rand(make, n), rand(make, width)];
    const outputs: TypedArray[][] = [backend, portableLayerSteps].map((steps: LayerSteps): TypedArray[] => {
      const [cc, e1, e2] = [c.slice(), make(n), make(n)];
      steps.activate(ACTIVATION_TABLE.tanh.code, cc, bias, e1, e2, rows, width);
      return [cc, e1, e2];
    });
    assert.deepEqual(outputs[0], outputs[1], `tanh on ${c.constructor.name}`);
  }
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

test("the fused sigmoid epilogue gives exactly gemm then activate, on one thread and two, and so do the calls it does not fuse", async () => {
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
        backend.activate(ACTIVATION_TABLE.sigmoid.code, c1, bias, d1, d2, m, n);
        const [c2, e1, e2] = [new Float32Array(m * n).fill(NaN), new Float32Array(m * n).fill(NaN), second ? new Float32Array(m * n).fill(NaN) : null];
        backend.gemmActivate(call(c2), ACTIVATION_TABLE.sigmoid.code, bias, e1, e2);
        assert.deepEqual(c2, c1, `${backend.name} ${m}×${n}×${k}: activations`);
        assert.deepEqual(e1, d1, `${backend.name} ${m}×${n}×${k}: σ′`);
        if (second) assert.deepEqual(e2, d2, `${backend.name} ${m}×${n}×${k}: σ″`);
      }
    }
    // what it does not fuse is its gemm, then the epilogue (the module's for sigmoid, TypeScript's for others)
    const f32 = (n: number): Float32Array => rand(n, 2);
    const declined: [string, GemmCall, ActivationCode, TypedArray][] = [
      ["an activation the module lacks", { transA: false, transB: false, m: 2, n: 4, k: 3, alpha: 1, a: f32(6), lda: 3, b: f32(12), ldb: 4, beta: 0, c: f32(8), ldc: 4 }, ACTIVATION_TABLE.tanh.code, f32(4)],
      ["wider than one panel", { transA: false, transB: false, m: 1, n: 1100, k: 3, alpha: 1, a: f32(3), lda: 3, b: f32(3300), ldb: 1100, beta: 0, c: f32(1100), ldc: 1100 }, ACTIVATION_TABLE.sigmoid.code, f32(1100)],
      ["float64", { transA: false, transB: false, m: 2, n: 4, k: 3, alpha: 1, a: new Float64Array(6).fill(0.5), lda: 3, b: new Float64Array(12).fill(-0.25), ldb: 4, beta: 0, c: new Float64Array(8), ldc: 4 }, ACTIVATION_TABLE.sigmoid.code, new Float64Array(4).fill(0.1)],
    ];
    for (const [what, call, code, bias] of declined) {
      const size = call.m * call.n;
      const Same = call.c instanceof Float64Array ? Float64Array : Float32Array;
      const [c1, d1, c2, d2] = [new Same(size), new Same(size), new Same(size), new Same(size)];
      backend.gemm({ ...call, c: c1 });
      backend.activate(code, c1, bias, d1, null, call.m, call.n);
      backend.gemmActivate({ ...call, c: c2 }, code, bias, d2, null);
      assert.deepEqual([c2, d2], [c1, d1], `${backend.name}: ${what}`);
    }
  }
});
