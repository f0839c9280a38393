/** @file every GEMM backend against the reference triple loop: transposes, odd and blocked sizes, strides, α/β */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Rng } from "../random.js";
import { checkGemmCall, convertInto, gemmBackend, setGemmBackend, type GemmCall } from "./backend.js";
import { referenceBackend } from "./reference.js";
import { backendsReady, backendsUnderTest } from "./testing.js";
import { matmul } from "../matmul.js";
import { ndarray, ShapeError } from "../ndarray.js";

// Sizes (m, k, n): ones, empties, odd shapes that leave partial register tiles, and shapes past the
// portable (KC 256, MC 64) and native (KC 384, MR 6, NR 16/32) blocks and the two-thread split
// (WebAssembly threads take products of ≥ 2²¹ flops in chunks of row strips, each packing its A
// strips, at 130×300×70, and across two 1024-column panels, the second reusing the packed A, at
// 1030×3×1100; in chunks of columns, two panels, at 6×300×1100; the native addon packs every
// k-block at once, then runs row blocks through all of k, at 150×800×40).
const SIZES: [number, number, number][] = [[1, 1, 1], [5, 7, 3], [0, 3, 2], [3, 0, 2], [2, 3, 0], [13, 17, 19], [67, 300, 45], [130, 5, 70], [71, 390, 37], [130, 300, 70], [6, 300, 1100], [150, 800, 40], [1030, 3, 1100]];

function filled(rng: Rng, n: number, f32: boolean): Float32Array | Float64Array {
  const a = f32 ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform() - 0.5;
  return a;
}

/** max |got − want| / max |want| over the m×n entries of row-stride-ld matrices (NaN counts as ∞). */
function maxRelErr(got: ArrayLike<number>, want: ArrayLike<number>, m: number, n: number, ld: number): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const d = Math.abs(got[i * ld + j]! - want[i * ld + j]!);
      err = Math.max(err, Number.isNaN(d) ? Infinity : d);
      scale = Math.max(scale, Math.abs(want[i * ld + j]!));
    }
  }
  return scale === 0 ? err : err / scale;
}

// the threaded WebAssembly backend starts its worker asynchronously; test it with the worker up
await backendsReady();

for (const backend of backendsUnderTest()) {
  describe(`gemm backend ${backend.name} (${backend.threads} threads) = reference`, () => {
    for (const f32 of [false, true]) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          test(`${f32 ? "float32" : "float64"} ${transA ? "Aᵀ" : "A"}·${transB ? "Bᵀ" : "B"}, all sizes, strided, α/β [seed 11]`, () => {
            const rng = new Rng(11);
            for (const [m, k, n] of SIZES) {
              for (const [alpha, beta] of [[1, 0], [-0.5, 1], [2, 0.25]] as const) {
                // row strides wider than the rows: operands are views into larger matrices
                const [ar, ac] = transA ? [k, m] : [m, k];
                const [br, bc] = transB ? [n, k] : [k, n];
                const lda = ac + 3;
                const ldb = bc + 1;
                const ldc = n + 2;
                const a = filled(rng, ar * lda, f32);
                const b = filled(rng, br * ldb, f32);
                const c0 = filled(rng, m * ldc, f32);
                // β = 0 must not read C: NaNs there may not leak into the result
                if (beta === 0) c0.fill(NaN);
                const got = c0.slice();
                const want = c0.slice();
                const call = (c: Float32Array | Float64Array): GemmCall => ({ transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc });
                checkGemmCall(call(got));
                backend.gemm(call(got));
                referenceBackend.gemm(call(want));
                // padding columns between rows of C are untouched
                for (let i = 0; i < m; i++) for (let j = n; j < ldc; j++) assert.ok(Object.is(got[i * ldc + j], c0[i * ldc + j]), `padding at ${i},${j}`);
                // float64: summation order only; float32 accumulates k rounded products in float32
                const tol = f32 ? 3e-7 * Math.sqrt(k + 1) * 4 : 1e-14 * (k + 1);
                const err = maxRelErr(got, want, m, n, ldc);
                assert.ok(err <= tol, `m=${m} k=${k} n=${n} α=${alpha} β=${beta}: relative error ${err} > ${tol}`);
              }
            }
          });
        }
      }
    }

    test("convertInto rounds float64 to float32 exactly as Math.fround, and widens exactly, on it", () => {
      const previous = setGemmBackend(backend);
      try {
        const rng = new Rng(13);
        // past the native addon's 65,536-element blocks, so both threads convert
        const n = 200_003;
        const src = Float64Array.from({ length: n }, () => (rng.uniform() - 0.5) * 10 ** Math.floor(rng.uniform() * 20 - 10));
        src[0] = NaN;
        src[1] = -Infinity;
        src[2] = 1e300;
        const narrow = new Float32Array(n);
        convertInto(src, narrow);
        narrow.forEach((x, i) => assert.ok(Object.is(x, Math.fround(src[i]!)), `element ${i}: ${x} vs ${Math.fround(src[i]!)}`));
        const wide = new Float64Array(n);
        convertInto(narrow, wide);
        wide.forEach((x, i) => assert.ok(Object.is(x, narrow[i]), `element ${i}`));
        assert.throws(() => convertInto(src, new Float32Array(n - 1)), ShapeError);
      } finally {
        setGemmBackend(previous);
      }
    });

    test("matmul runs on it with unchanged semantics", () => {
      const previous = setGemmBackend(backend);
      try {
        assert.equal(gemmBackend(), backend);
        const c = matmul(ndarray(Float64Array.from([1, 2, 3, 4, 5, 6]), [2, 3]), ndarray(Float64Array.from([1, 0, 0, 1, 1, 1]), [3, 2]), { transA: false });
        assert.deepEqual(Array.from(c.data), [4, 5, 10, 11]);
        const t = matmul(ndarray(Float64Array.from([1, 2, 3, 4, 5, 6]), [3, 2]), ndarray(Float64Array.from([1, 2, 3]), [1, 3]), { transA: true, transB: true });
        assert.deepEqual(t.shape, [2, 1]);
        assert.deepEqual(Array.from(t.data), [22, 28]);
      } finally {
        setGemmBackend(previous);
      }
    });
  });
}

test("gemm call checks reject what a native backend could not survive", () => {
  const a = new Float64Array(6);
  const ok: GemmCall = { transA: false, transB: false, m: 2, n: 2, k: 3, alpha: 1, a, lda: 3, b: new Float64Array(6), ldb: 2, beta: 0, c: new Float64Array(4), ldc: 2 };
  checkGemmCall(ok);
  assert.throws(() => checkGemmCall({ ...ok, c: new Float64Array(3) }), /gemm: C has 3 elements, needs 4/);
  assert.throws(() => checkGemmCall({ ...ok, lda: 2 }), /row stride/);
  assert.throws(() => checkGemmCall({ ...ok, b: new Float32Array(6) }), /all be Float32Array or all Float64Array/);
  assert.throws(() => checkGemmCall({ ...ok, m: 1.5 }), /m must be a non-negative integer/);
  assert.throws(() => checkGemmCall({ ...ok, transA: true }), /gemm: A has 6 elements, needs 8/);
});
