/** @file the WebAssembly backend's own parts: the sigmoid epilogue's accuracy, split products, and workers that fail */
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

test("the float32 sigmoid epilogue matches σ, σ′, σ″ in float64 to a few float32 ulps, at every width and at the extremes", () => {
  const backend = wasmBackend();
  assert.ok(backend?.activate !== undefined);
  const rng = new Rng(5);
  for (const width of [1, 3, 4, 5, 250]) {
    const rows = 3;
    const z = Float64Array.from({ length: rows * width }, () => (rng.uniform() - 0.5) * 40);
    const special = [0, -0, 1e-30, -1e-30, 20, -20, 87, -87, 88, -88, 100, -100, Infinity, -Infinity];
    special.slice(0, z.length).forEach((v, i) => (z[i] = v));
    const bias = Float32Array.from({ length: width }, () => rng.uniform() - 0.5);
    for (const second of [false, true]) {
      const c = Float32Array.from(z);
      const d1 = new Float32Array(z.length);
      const d2 = second ? new Float32Array(z.length) : null;
      assert.equal(backend.activate("sigmoid", c, bias, d1, d2, rows, width), true);
      for (let i = 0; i < z.length; i++) {
        const x = Math.fround(Math.fround(z[i]!) + bias[i % width]!);
        const s = 1 / (1 + Math.exp(-x));
        const ex = Math.exp(-Math.abs(x));
        const ds = ex / (1 + ex) ** 2;
        const checks: [string, number, number][] = [["σ", c[i]!, s], ["σ′", d1[i]!, ds]];
        if (d2 !== null) checks.push(["σ″", d2[i]!, ds * (1 - 2 * s)]);
        for (const [what, got, want] of checks) {
          const err = Math.abs(got - want);
          // relative to the value, or absolute at the float32 floor where |z| > 87 is held at 2⁻¹²⁶
          assert.ok(err <= 5e-7 * Math.abs(want) + 1e-37 + (what === "σ″" ? 1e-7 * ds : 0), `${what}(${x}) = ${got}, want ${want} (width ${width})`);
        }
      }
    }
  }
  const nan = Float32Array.of(NaN, 1, 2, 3, 4);
  const d1 = new Float32Array(5);
  backend.activate("sigmoid", nan, new Float32Array(5), d1, null, 1, 5);
  assert.ok(Number.isNaN(nan[0]!) && Number.isNaN(d1[0]!), "NaN propagates");
  assert.equal(backend.activate("sigmoid", new Float64Array(4), new Float64Array(4), new Float64Array(4), null, 1, 4), false, "float64 stays in TypeScript");
  assert.equal(backend.activate("tanh", new Float32Array(4), new Float32Array(4), new Float32Array(4), null, 1, 4), false);
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

test("float32 sigmoid cross-entropy on the module matches softplus(y) − t·y, σ(y) − t and σσ′ in float64", () => {
  const backend = wasmBackend();
  assert.ok(backend?.sigmoidCrossEntropy !== undefined);
  const rng = new Rng(6);
  for (const n of [1, 3, 4, 7, 1001]) {
    const y = Float32Array.from({ length: n }, () => (rng.uniform() - 0.5) * 60);
    [0, 1e-20, -1e-20, 15, -15, 90, -90, 200, -200].slice(0, n).forEach((v, i) => (y[i] = v));
    const t = Float32Array.from({ length: n }, () => rng.uniform());
    for (const withH of [false, true]) {
      const grad = new Float32Array(n);
      const hdiag = withH ? new Float32Array(n) : null;
      const total = backend.sigmoidCrossEntropy(y, t, grad, hdiag, n);
      let want = 0;
      for (let i = 0; i < n; i++) {
        const z = y[i]!;
        const s = 1 / (1 + Math.exp(-z));
        const e = Math.exp(-Math.abs(z));
        const ds = e / (1 + e) ** 2; // σσ′ without the cancellation of s·(1 − s) at large |z|
        want += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - t[i]! * z;
        assert.ok(Math.abs(grad[i]! - (s - t[i]!)) <= 2e-7 * (Math.abs(s) + Math.abs(t[i]!)) + 1e-37, `grad at y=${z}: ${grad[i]}`);
        if (hdiag !== null) assert.ok(Math.abs(hdiag[i]! - ds) <= 5e-7 * ds + 1e-37, `σσ′ at y=${z}: ${hdiag[i]} vs ${ds}`);
      }
      // each element's loss is rounded to float32 once before the float64 sum
      assert.ok(total !== null && Math.abs(total - want) <= 2e-7 * n * Math.max(1, Math.abs(want) / n), `n ${n}: ${total} vs ${want}`);
    }
  }
  assert.equal(backend.sigmoidCrossEntropy(new Float64Array(4), new Float64Array(4), new Float64Array(4), null, 4), null, "float64 stays in TypeScript");
});

test("the float32 backward and R-forward steps match float64 loops in every mode, at every width", () => {
  const backend = wasmBackend();
  assert.ok(backend?.backwardStep !== undefined && backend.rForwardStep !== undefined);
  const rng = new Rng(12);
  const rand = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
  const close = (got: ArrayLike<number>, want: ArrayLike<number>, what: string): void => {
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 3e-7 * (1 + Math.abs(want[i]!)), `${what}[${i}] = ${got[i]}, want ${want[i]}`);
  };
  for (const width of [1, 3, 4, 5, 250]) {
    for (const rows of [0, 1, 7]) {
      for (const mode of ["g", "g+rg", "g+rg+d2"] as const) {
        const [g, d1, rg, d2] = [rand(rows * width), rand(rows * width), rand(rows * width), rand(rows * width)];
        const wantG = g.map((x, i) => x * d1[i]!);
        const wantRg = rg.map((x, i) => x * d1[i]! + (mode === "g+rg+d2" ? g[i]! * d2[i]! : 0));
        const summed = mode === "g" ? wantG : wantRg;
        const wantBias = Array.from({ length: width }, (_, j) => {
          let s = 0;
          for (let r = 0; r < rows; r++) s += summed[r * width + j]!;
          return s;
        });
        const bias = rand(width);
        assert.equal(backend.backwardStep(g, d1, mode === "g" ? null : rg, mode === "g+rg+d2" ? d2 : null, bias, rows, width), true);
        close(g, wantG, `${mode} g`);
        if (mode !== "g") close(rg, wantRg, `${mode} rg`);
        close(bias, wantBias, `${mode} bias`);
      }
      for (const second of [false, true]) {
        const [rz, d1, d2] = [rand(rows * width), rand(rows * width), rand(rows * width)];
        const vb = rand(width);
        const p2 = new Float32Array(rows * width);
        const r = rz.map((x, i) => x + vb[i % width]!);
        assert.equal(backend.rForwardStep(rz, vb, d1, second ? d2 : null, second ? p2 : null, rows, width), true);
        close(rz, r.map((x, i) => x * d1[i]!), "R{a}");
        if (second) close(p2, r.map((x, i) => x * d2[i]!), "f''⊙R{z}");
      }
    }
  }
  assert.equal(backend.backwardStep(new Float64Array(4), new Float64Array(4), null, null, new Float64Array(4), 1, 4), false, "float64 stays in TypeScript");
});
