/**
 * @file the backends' elementwise layer steps (sigmoid epilogue, sigmoid cross-entropy, backward and
 * R-forward steps) against float64 loops, on every backend that has them and in every element type
 * it takes: widths that are whole vectors, tails only, and both
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../random.js";
import type { GemmBackend } from "./backend.js";
import { backendsReady, backendsUnderTest } from "./testing.js";

type Float = Float32Array | Float64Array;
type Maker = { readonly dtype: "float32" | "float64"; readonly of: (values: ArrayLike<number>) => Float; readonly zeros: (n: number) => Float; readonly round: (x: number) => number; readonly eps: number };

const MAKERS: readonly Maker[] = [
  { dtype: "float32", of: (v) => Float32Array.from(v), zeros: (n) => new Float32Array(n), round: Math.fround, eps: 2 ** -23 },
  { dtype: "float64", of: (v) => Float64Array.from(v), zeros: (n) => new Float64Array(n), round: (x) => x, eps: 2 ** -52 },
];
/** Whole 4-, 8- and 16-lane vectors, tails alone, and both together. */
const WIDTHS = [1, 3, 4, 5, 8, 16, 17, 250];
/** Steps large enough to be split between threads (2¹⁵ elements and up), in whole vectors and not. */
const LARGE: readonly [number, number][] = [[200, 250], [130, 256]];

/** Each backend that has the hook, with the element types it handles (a probe on four elements decides). */
function cases(hook: keyof GemmBackend, handles: (b: GemmBackend, m: Maker) => boolean): [GemmBackend, Maker][] {
  return backendsUnderTest().flatMap((b) => (b[hook] === undefined ? [] : MAKERS.filter((m) => handles(b, m)).map((m): [GemmBackend, Maker] => [b, m])));
}

test("the sigmoid epilogue matches σ, σ′, σ″ in float64 to a few ulps, at every width and at the extremes", async () => {
  await backendsReady();
  const all = cases("activate", (b, m) => b.activate!("sigmoid", m.zeros(4), m.zeros(4), m.zeros(4), null, 1, 4));
  assert.ok(all.length >= 2, "the WebAssembly backends at least");
  for (const [backend, m] of all) {
    const rng = new Rng(5);
    const floor = m.dtype === "float32" ? 1e-37 : 1e-300;
    for (const [rows, width] of [...WIDTHS.map((w): [number, number] => [3, w]), ...LARGE]) {
      const z = Float64Array.from({ length: rows * width }, () => (rng.uniform() - 0.5) * 40);
      const special = [0, -0, 1e-30, -1e-30, 20, -20, 87, -87, 88, -88, 100, -100, 750, -750, Infinity, -Infinity];
      special.slice(0, z.length).forEach((v, i) => (z[i] = v));
      const bias = m.of(Array.from({ length: width }, () => rng.uniform() - 0.5));
      for (const second of [false, true]) {
        const c = m.of(z);
        const d1 = m.zeros(z.length);
        const d2 = second ? m.zeros(z.length) : null;
        assert.equal(backend.activate!("sigmoid", c, bias, d1, d2, rows, width), true);
        for (let i = 0; i < z.length; i++) {
          const x = m.round(m.round(z[i]!) + bias[i % width]!);
          const s = 1 / (1 + Math.exp(-x));
          const ex = Math.exp(-Math.abs(x));
          const ds = ex / (1 + ex) ** 2;
          const checks: [string, number, number][] = [["σ", c[i]!, s], ["σ′", d1[i]!, ds]];
          if (d2 !== null) checks.push(["σ″", d2[i]!, ds * (1 - 2 * s)]);
          for (const [what, got, want] of checks) {
            // relative to the value, or absolute at the floor where exp's argument is clamped
            const tol = 4 * m.eps * Math.abs(want) + floor + (what === "σ″" ? m.eps * ds : 0);
            assert.ok(Math.abs(got - want) <= tol, `${backend.name} ${m.dtype}: ${what}(${x}) = ${got}, want ${want} (width ${width})`);
          }
        }
      }
    }
    const nan = m.of([NaN, 1, 2, 3, 4, 5, 6, 7, 8]);
    const d1 = m.zeros(9);
    backend.activate!("sigmoid", nan, m.zeros(9), d1, null, 1, 9);
    assert.ok(Number.isNaN(nan[0]!) && Number.isNaN(d1[0]!), `${backend.name} ${m.dtype}: NaN propagates`);
  }
});

test("sigmoid cross-entropy matches softplus(y) − t·y, σ(y) − t and σσ′ in float64", async () => {
  await backendsReady();
  const all = cases("sigmoidCrossEntropy", (b, m) => b.sigmoidCrossEntropy!(m.zeros(4), m.zeros(4), m.zeros(4), null, 4) !== null);
  assert.ok(all.length >= 2, "the WebAssembly backends at least");
  for (const [backend, m] of all) {
    const rng = new Rng(6);
    const floor = m.dtype === "float32" ? 1e-37 : 1e-300;
    for (const n of [1, 3, 4, 7, 8, 17, 1001, 50_001]) {
      const y = m.of(Array.from({ length: n }, () => (rng.uniform() - 0.5) * 60));
      [0, 1e-20, -1e-20, 15, -15, 90, -90, 200, -200].slice(0, n).forEach((v, i) => (y[i] = v));
      const t = m.of(Array.from({ length: n }, () => rng.uniform()));
      for (const withH of [false, true]) {
        const grad = m.zeros(n);
        const hdiag = withH ? m.zeros(n) : null;
        const total = backend.sigmoidCrossEntropy!(y, t, grad, hdiag, n);
        let want = 0;
        let size = 0;
        for (let i = 0; i < n; i++) {
          const z = y[i]!;
          const s = 1 / (1 + Math.exp(-z));
          const e = Math.exp(-Math.abs(z));
          const ds = e / (1 + e) ** 2; // σσ′ without the cancellation of s·(1 − s) at large |z|
          const term = Math.max(z, 0) + Math.log1p(e) - t[i]! * z;
          want += term;
          size += Math.abs(term) + Math.abs(t[i]! * z);
          const what = `${backend.name} ${m.dtype} at y=${z}`;
          assert.ok(Math.abs(grad[i]! - (s - t[i]!)) <= 2 * m.eps * (Math.abs(s) + Math.abs(t[i]!)) + floor, `grad ${what}: ${grad[i]}`);
          if (hdiag !== null) assert.ok(Math.abs(hdiag[i]! - ds) <= 4 * m.eps * ds + floor, `σσ′ ${what}: ${hdiag[i]} vs ${ds}`);
        }
        // each element's loss carries a few roundings in the element type before the float64 sum
        assert.ok(total !== null && Math.abs(total - want) <= 4 * m.eps * (size + n), `${backend.name} ${m.dtype} n ${n}: ${total} vs ${want}`);
      }
    }
  }
});

test("the backward and R-forward steps match float64 loops in every mode, at every width", async () => {
  await backendsReady();
  const all = cases("backwardStep", (b, m) => b.backwardStep!(m.zeros(4), m.zeros(4), null, null, m.zeros(4), 1, 4));
  assert.ok(all.length >= 2, "the WebAssembly backends at least");
  for (const [backend, m] of all) {
    assert.ok(backend.rForwardStep !== undefined, `${backend.name} has both steps`);
    const rng = new Rng(12);
    const rand = (n: number): Float => m.of(Array.from({ length: n }, () => rng.uniform() * 2 - 1));
    const close = (got: ArrayLike<number>, want: ArrayLike<number>, what: string): void => {
      for (let i = 0; i < want.length; i++) {
        assert.ok(Math.abs(got[i]! - want[i]!) <= 3 * m.eps * (1 + Math.abs(want[i]!)), `${backend.name} ${m.dtype} ${what}[${i}] = ${got[i]}, want ${want[i]}`);
      }
    };
    for (const [rows, width] of [...WIDTHS.flatMap((w) => [0, 1, 7].map((r): [number, number] => [r, w])), ...LARGE]) {
      {
        for (const mode of ["g", "g+rg", "g+rg+d2"] as const) {
          const [g, d1, rg, d2] = [rand(rows * width), rand(rows * width), rand(rows * width), rand(rows * width)];
          const wantG = Array.from(g, (x, i) => x * d1[i]!);
          const wantRg = Array.from(rg, (x, i) => x * d1[i]! + (mode === "g+rg+d2" ? g[i]! * d2[i]! : 0));
          const summed = mode === "g" ? wantG : wantRg;
          const column = (j: number, f: (x: number) => number): number => {
            let s = 0;
            for (let r = 0; r < rows; r++) s += f(summed[r * width + j]!);
            return s;
          };
          const wantBias = Array.from({ length: width }, (_, j) => column(j, (x) => x));
          // each summed element is rounded once to the element type: the error grows with the column
          const biasTolerance = Array.from({ length: width }, (_, j) => 3 * m.eps * (1 + column(j, Math.abs)));
          const bias = rand(width);
          assert.equal(backend.backwardStep!(g, d1, mode === "g" ? null : rg, mode === "g+rg+d2" ? d2 : null, bias, rows, width), true);
          close(g, wantG, `${mode} g`);
          if (mode !== "g") close(rg, wantRg, `${mode} rg`);
          wantBias.forEach((want, j) => assert.ok(Math.abs(bias[j]! - want) <= biasTolerance[j]!, `${backend.name} ${m.dtype} ${mode} bias[${j}] = ${bias[j]}, want ${want}`));
        }
        for (const second of [false, true]) {
          const [rz, d1, d2] = [rand(rows * width), rand(rows * width), rand(rows * width)];
          const vb = rand(width);
          const p2 = m.zeros(rows * width);
          const r = Array.from(rz, (x, i) => x + vb[i % width]!);
          assert.equal(backend.rForwardStep(rz, vb, d1, second ? d2 : null, second ? p2 : null, rows, width), true);
          close(rz, r.map((x, i) => x * d1[i]!), "R{a}");
          if (second) close(p2, r.map((x, i) => x * d2[i]!), "f''⊙R{z}");
        }
      }
    }
  }
});
