/**
 * @file every backend's layer steps in both element types: each activation's epilogue against the
 * activation table, sigmoid cross-entropy, backward and R-forward steps against float64 loops;
 * widths that are whole vectors, tails only, both, and steps large enough to split between threads
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ACTIVATIONS, ACTIVATION_TABLE, activationCode, type ActivationName } from "../activations.js";
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

/** Every backend under test in both element types: each has every step, taking over what it does not accelerate itself. */
function cases(): [GemmBackend, Maker][] {
  return backendsUnderTest().flatMap((b) => MAKERS.map((m): [GemmBackend, Maker] => [b, m]));
}

/** Values where the epilogues' branches, clamps and cancellations sit (including past float32's exp range). */
const EDGES = [0, -0, 1e-8, -1e-8, 1e-30, -1e-30, 1, -1, 0.75, -0.75, Math.SQRT2, -Math.SQRT2, 5, -5, 20, -20, 87, -87, 88, -88, 100, -100, 700, -700, 750, -750];
/** GELU's slope z·φ(z) is ∞·0 at ±∞ in the epilogues (NaN, where the table's f takes the limit): infinities go to the others only. */
const INFINITE = [Infinity, -Infinity];

/**
 * The error a good evaluation of f⁽ᵏ⁾ at x may make in an element type with unit roundoff ε:
 * a few ε relative, plus ε·|x|·|f⁽ᵏ⁺¹⁾(x)| (the rounding of x, and the cancellation in forms such
 * as Φ + zφ), plus ε·|f′| for f″ (σ″ = σ′·(σ(−z) − σ(z)) cancels near 0), plus the floor where
 * exp's argument is clamped or results go subnormal. f‴ for the f″ bound by central differences.
 */
function tolerance(act: ActivationName, k: 0 | 1 | 2, x: number, want: number, m: Maker): number {
  const { df, d2f } = ACTIVATION_TABLE[act];
  const h = 1e-4 / Math.max(1, Math.abs(x));
  const next = k === 0 ? df(x) : k === 1 ? d2f(x) : (d2f(x + h) - d2f(x - h)) / (2 * h);
  const floor = m.dtype === "float32" ? 1e-37 : 1e-300;
  const sum = Math.abs(want) + Math.abs(x) * Math.abs(next) + (k === 2 ? Math.abs(df(x)) : 0);
  return 8 * m.eps * (Number.isFinite(sum) ? sum : 0) + floor;
}

/** The table's f, f′, f″ at x rounded to the element type, with the tolerance of each. */
function expected(act: ActivationName, x: number, m: Maker): [number, number][] {
  const { f, df, d2f } = ACTIVATION_TABLE[act];
  return [f(x), df(x), d2f(x)].map((exact, k): [number, number] => [m.round(exact), tolerance(act, k as 0 | 1 | 2, x, m.round(exact), m)]);
}

test("every backend's epilogue gives the table's f, f′, f″ for every activation, at every width, at the edges and through NaN", async () => {
  await backendsReady();
  const all = cases();
  assert.ok(all.length >= 6, "TypeScript and the WebAssembly backends on one thread and two, in both element types");
  for (const act of ACTIVATIONS) {
    const code = activationCode(act);
    const edges = [...EDGES, ...(act.startsWith("gelu") ? [] : INFINITE), NaN];
    for (const m of MAKERS) {
      const rng = new Rng(5);
      // the large shapes (split between threads) once, with f″; the others with and without it
      const shapes = [...WIDTHS.map((w): [number, number, boolean] => [3, w, false]), ...LARGE.map(([r, w]): [number, number, boolean] => [r, w, true])];
      for (const [rows, width, large] of shapes) {
        // z and bias on a grid of 2⁻⁸, so that z + bias is exact in float32 too: the reference sees what the backend sees
        const z = Float64Array.from({ length: rows * width }, () => Math.round((rng.uniform() - 0.5) * 80 * 256) / 256);
        const bias = Float64Array.from({ length: width }, () => Math.round((rng.uniform() - 0.5) * 256) / 256);
        for (const withEdges of large ? [false] : [false, true]) {
          // the edge values on the first rows, with a zero bias for every column
          if (withEdges) {
            edges.slice(0, z.length).forEach((v, i) => (z[i] = v));
            bias.fill(0);
          }
          const want = Array.from(z, (zi, i) => expected(act, m.round(m.round(zi) + bias[i % width]!), m));
          for (const [backend, bm] of all) {
            if (bm !== m) continue;
            for (const second of large ? [true] : [false, true]) {
              const c = m.of(z);
              const d1 = m.zeros(z.length).fill(NaN);
              const d2 = second ? m.zeros(z.length).fill(NaN) : null;
              backend.activate(code, c, m.of(bias), d1, d2, rows, width);
              for (let i = 0; i < z.length; i++) {
                const outputs = d2 === null ? [c, d1] : [c, d1, d2];
                outputs.forEach((out, k) => {
                  const [w, tol] = want[i]![k]!;
                  const got = out[i]!;
                  const what = `${backend.name} ${m.dtype} ${act}${["", "′", "″"][k]}(${z[i]} + ${bias[i % width]}) = ${got}, want ${w} (width ${width})`;
                  if (Number.isNaN(w)) assert.ok(Number.isNaN(got), what);
                  else if (!Number.isFinite(w)) assert.equal(got, w, what);
                  else assert.ok(Math.abs(got - w) <= tol, what);
                });
              }
            }
          }
        }
      }
    }
  }
});

test("sigmoid cross-entropy matches softplus(y) − t·y, σ(y) − t and scale·σσ′⊙u in float64", async () => {
  await backendsReady();
  for (const [backend, m] of cases()) {
    const rng = new Rng(6);
    const floor = m.dtype === "float32" ? 1e-37 : 1e-300;
    for (const n of [1, 3, 4, 7, 8, 17, 1001, 50_001]) {
      const y = m.of(Array.from({ length: n }, () => (rng.uniform() - 0.5) * 60));
      [0, 1e-20, -1e-20, 15, -15, 90, -90, 200, -200].slice(0, n).forEach((v, i) => (y[i] = v));
      const t = m.of(Array.from({ length: n }, () => rng.uniform()));
      const u = m.of(Array.from({ length: n }, () => rng.uniform() * 4 - 2));
      for (const scale of [null, 1, 0.3]) {
        const grad = m.zeros(n);
        const hu = m.zeros(n).fill(NaN);
        const total = backend.sigmoidCrossEntropy(y, t, grad, scale === null ? null : { u, out: hu, scale }, n);
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
          // σσ′ and its products with u and the scale each round once in the element type
          const wantHu = scale === null ? NaN : scale * ds * u[i]!;
          if (scale !== null) assert.ok(Math.abs(hu[i]! - wantHu) <= 6 * m.eps * Math.abs(wantHu) + floor, `scale·σσ′⊙u ${what}: ${hu[i]} vs ${wantHu}`);
        }
        // each element's loss carries a few roundings in the element type before the float64 sum;
        // the two float64 sums (the backend's lanes and this one) drift apart like a random walk, ~√n·ε·size
        const tol = 4 * m.eps * (size + n) + Math.sqrt(n) * 2 ** -52 * size;
        assert.ok(Math.abs(total - want) <= tol, `${backend.name} ${m.dtype} n ${n}: ${total} vs ${want}`);
      }
    }
  }
});

test("sigmoid cross-entropy of confident, correct logits keeps its tiny loss to relative accuracy (no cancellation against |y|)", async () => {
  await backendsReady();
  for (const [backend, m] of cases()) {
    // |y| ≥ 17 with 0/1 targets of the same sign: each loss is log1p(e^{−|y|}) ≈ 4e-8 or less
    const logits = [17, -17, 20, -23, 30, -18.5, 25, -40, 17.5];
    const y = m.of(logits);
    const t = m.of(logits.map((v) => (v > 0 ? 1 : 0)));
    const n = logits.length;
    const total = backend.sigmoidCrossEntropy(y, t, m.zeros(n), null, n);
    let want = 0;
    for (let i = 0; i < n; i++) want += Math.log1p(Math.exp(-Math.abs(y[i]!)));
    assert.ok(Math.abs(total - want) <= 16 * m.eps * want, `${backend.name} ${m.dtype}: ${total} vs ${want}`);
  }
});

test("the backward and R-forward steps match float64 loops in every mode, at every width", async () => {
  await backendsReady();
  for (const [backend, m] of cases()) {
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
          backend.backwardStep(g, d1, mode === "g" ? null : rg, mode === "g+rg+d2" ? d2 : null, bias, rows, width);
          close(g, wantG, `${mode} g`);
          if (mode !== "g") close(rg, wantRg, `${mode} rg`);
          wantBias.forEach((want, j) => assert.ok(Math.abs(bias[j]! - want) <= biasTolerance[j]!, `${backend.name} ${m.dtype} ${mode} bias[${j}] = ${bias[j]}, want ${want}`));
        }
        for (const second of [false, true]) {
          const [rz, d1, d2] = [rand(rows * width), rand(rows * width), rand(rows * width)];
          const vb = rand(width);
          const p2 = m.zeros(rows * width);
          const r = Array.from(rz, (x, i) => x + vb[i % width]!);
          backend.rForwardStep(rz, vb, d1, second ? d2 : null, second ? p2 : null, rows, width);
          close(rz, r.map((x, i) => x * d1[i]!), "R{a}");
          if (second) close(p2, r.map((x, i) => x * d2[i]!), "f''⊙R{z}");
        }
      }
    }
  }
});
