/** @file the array kernels against naive index-loop references: matmul, movement, reductions, errors, Rng, NaN */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { add, relu, sigmoid } from "./elementwise.js";
import { matmul } from "./matmul.js";
import { broadcastShapes, broadcastTo, concat, pad, slice, transpose } from "./movement.js";
import { formatShape, ndarray, ShapeError, size, type DType, type NDArray } from "./ndarray.js";
import { randomNormal, randomRademacher, randomUniform, Rng } from "./random.js";
import { max, sum } from "./reduce.js";
import { at, unravel } from "./indexing.js";

// ---- naive references ----------------------------------------------------------------------------

function build(shape: readonly number[], f: (idx: number[]) => number): number[] {
  return Array.from({ length: size(shape) }, (_, i) => f(unravel(i, shape)));
}
const random = (rng: Rng, shape: readonly number[], dtype: DType = "float64"): NDArray => randomNormal(rng, shape, dtype);

/** Largest |a − b| / max(1, |b|): the kernels and references sum in different orders. */
function close(a: NDArray, shape: readonly number[], want: readonly number[], tol: number): void {
  assert.deepEqual(a.shape, [...shape]);
  assert.equal(a.data.length, want.length);
  want.forEach((w, i) => {
    const g = a.data[i]!;
    assert.ok(Math.abs(g - w) <= tol * Math.max(1, Math.abs(w)), `element ${i}: ${g} vs ${w}`);
  });
}

// ---- matmul ----------------------------------------------------------------------------------------

describe("matmul = the triple loop", () => {
  // Sizes: odd, 1, 0, and past the KC = 128 / NC = 512 blocks and the 4-row unrolling.
  const sizes: [number, number, number][] = [[5, 7, 3], [1, 1, 1], [4, 1, 6], [0, 3, 2], [3, 0, 2], [2, 3, 0], [9, 130, 515], [6, 2, 5]];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const [m, k, n] of sizes) {
        for (const dtype of ["float64", "float32"] as const) {
          test(`${transA ? "Aᵀ" : "A"}·${transB ? "Bᵀ" : "B"} for m=${m} k=${k} n=${n} ${dtype} [seed 3]`, () => {
            const rng = new Rng(3);
            const a = random(rng, transA ? [k, m] : [m, k], dtype);
            const b = random(rng, transB ? [n, k] : [k, n], dtype);
            const want = build([m, n], ([i, j]) => {
              let s = 0;
              for (let p = 0; p < k; p++) s += (transA ? at(a, [p, i!]) : at(a, [i!, p])) * (transB ? at(b, [j!, p]) : at(b, [p, j!]));
              return s;
            });
            const c = matmul(a, b, { transA, transB });
            assert.equal(c.dtype, dtype);
            // float64: different summation order only (k ≤ 130 terms of size ~1); float32 rounds once
            close(c, [m, n], want, dtype === "float64" ? 1e-13 : 1e-6 * Math.sqrt(k + 1));
          });
        }
      }
    }
  }

  test("shape errors name the op and both shapes as passed", () => {
    const a = ndarray(new Float64Array(6), [2, 3]);
    const b = ndarray(new Float64Array(8), [4, 2]);
    assert.throws(() => matmul(a, b), /matmul: .*\[2, 3\].*\[4, 2\]/);
    assert.throws(() => matmul(a, b, { transB: true }), /matmul: .*\[2, 3\].*\[4, 2\]ᵀ/);
    assert.throws(() => matmul(a, ndarray(new Float64Array(3), [3])), /matmul: .*2-D.*\[2, 3\].*\[3\]/);
    assert.throws(() => matmul(a, ndarray(new Float32Array(6), [3, 2])), /matmul: dtype mismatch float64 vs float32/);
  });
});

// ---- movement --------------------------------------------------------------------------------------

describe("movement kernels = index loops (zero-size dims included)", () => {
  const rng = new Rng(5);

  test("transpose: result[idx] = a[idx permuted back] [seed 5]", () => {
    for (const [shape, perm] of [[[2, 3, 4], [2, 0, 1]], [[3, 0, 2], [1, 2, 0]], [[5], [0]], [[2, 3], [1, 0]]] as const) {
      const a = random(rng, shape);
      const outShape = perm.map((p) => shape[p]!);
      const want = build(outShape, (idx) => {
        const src = new Array<number>(perm.length);
        perm.forEach((p, j) => (src[p] = idx[j]!));
        return at(a, src);
      });
      close(transpose(a, perm), outShape, want, 0);
    }
    close(transpose(ndarray(Float64Array.from([1, 2, 3, 4, 5, 6]), [2, 3])), [3, 2], [1, 4, 2, 5, 3, 6], 0);
    assert.throws(() => transpose(random(rng, [2, 3]), [0, 0]), /transpose: .*\[0, 0\].*\[2, 3\]/);
  });

  test("broadcastTo: size-1 and new leading axes repeat [seed 5]", () => {
    for (const [from, to] of [[[3, 1], [2, 3, 4]], [[1], [5]], [[], [2, 2]], [[1, 4], [0, 4]], [[2, 1, 3], [2, 5, 3]]] as const) {
      const a = random(rng, from);
      const lead = to.length - from.length;
      close(broadcastTo(a, to), to, build(to, (idx) => at(a, from.map((d, j) => (d === 1 ? 0 : idx[lead + j]!)))), 0);
    }
    assert.throws(() => broadcastTo(random(rng, [2, 3]), [3, 3]), /broadcastTo: .*\[2, 3\].*\[3, 3\]/);
    assert.deepEqual(broadcastShapes("add", [2, 1, 3], [4, 1]), [2, 4, 3]);
    assert.throws(() => broadcastShapes("add", [2, 3], [4]), /add: shapes \[2, 3\] and \[4\] do not broadcast/);
  });

  test("slice and pad are adjoint index windows [seed 5]", () => {
    const a = random(rng, [4, 5, 3]);
    const begin = [1, 2, 0];
    const sizes = [2, 3, 3];
    const s = slice(a, begin, sizes);
    close(s, sizes, build(sizes, (idx) => at(a, idx.map((v, d) => v + begin[d]!))), 0);
    const p = pad(s, begin, a.shape);
    close(p, a.shape, build(a.shape, (idx) => (idx.every((v, d) => v >= begin[d]! && v < begin[d]! + sizes[d]!) ? at(a, idx) : 0)), 0);
    close(slice(a, [1, 1, 1], [0, 2, 1]), [0, 2, 1], [], 0);
    close(pad(ndarray(new Float64Array(0), [0, 2]), [1, 0], [3, 2]), [3, 2], [0, 0, 0, 0, 0, 0], 0);
    assert.throws(() => slice(a, [3, 0, 0], [2, 1, 1]), /slice: .*\[3, 0, 0\].*\[2, 1, 1\].*\[4, 5, 3\]/);
    assert.throws(() => pad(s, [3, 0, 0], [4, 5, 3]), /pad: .*\[4, 5, 3\]/);
  });

  test("concat along each axis, with empty parts [seed 5]", () => {
    for (const axis of [0, 1, 2]) {
      const shapes = [[2, 3, 2], [2, 3, 2], [2, 3, 2]].map((s, i) => s.map((d, j) => (j === axis ? [1, 0, 3][i]! : d)));
      const parts = shapes.map((s) => random(rng, s));
      const outShape = [...shapes[0]!];
      outShape[axis] = shapes.reduce((acc, s) => acc + s[axis]!, 0);
      const want = build(outShape, (idx) => {
        let offset = idx[axis]!;
        for (const part of parts) {
          if (offset < part.shape[axis]!) return at(part, idx.map((v, d) => (d === axis ? offset : v)));
          offset -= part.shape[axis]!;
        }
        throw new Error("unreachable");
      });
      close(concat(parts, axis), outShape, want, 0);
    }
    assert.throws(() => concat([random(rng, [2, 3]), random(rng, [3, 2])], 0), /concat: .*\[3, 2\].*\[2, 3\]/);
  });
});

// ---- reductions ------------------------------------------------------------------------------------

describe("sum and max = loops over every cell", () => {
  const rng = new Rng(9);
  const cases: [number[], number[] | undefined][] = [[[2, 3, 4], [1]], [[2, 3, 4], [0, 2]], [[2, 3, 4], undefined], [[3, 4], [-1]], [[5], [0]], [[0, 3], [0]], [[3, 0], [0]], [[], undefined]];

  for (const [shape, axes] of cases) {
    for (const keepDims of [false, true]) {
      test(`sum and max over ${axes === undefined ? "all axes" : `axes [${axes.join(", ")}]`} of ${formatShape(shape)}, keepDims=${keepDims} [seed 9]`, () => {
        const a = random(rng, shape);
        const ax = (axes ?? shape.map((_, i) => i)).map((d) => (d < 0 ? d + shape.length : d));
        const kept = shape.map((d, i) => (ax.includes(i) ? 1 : d));
        const outShape = keepDims ? kept : shape.filter((_, i) => !ax.includes(i));
        const cells = Array.from({ length: size(kept) }, (): number[] => []);
        for (let i = 0; i < a.data.length; i++) {
          const idx = unravel(i, shape).map((v, d) => (ax.includes(d) ? 0 : v));
          cells[idx.reduce((f, v, d) => f * kept[d]! + v, 0)]!.push(a.data[i]!);
        }
        close(sum(a, axes, keepDims), outShape, cells.map((c) => c.reduce((s, v) => s + v, 0)), 1e-15);
        if (ax.some((d) => shape[d] === 0)) {
          assert.throws(() => max(a, axes, keepDims), /max: cannot reduce over an empty axis of shape/);
        } else {
          close(max(a, axes, keepDims), outShape, cells.map((c) => Math.max(...c)), 0);
        }
      });
    }
  }

  test("sum accumulates float32 in float64 (no drift over many small terms)", () => {
    const a = ndarray(new Float32Array(100000).fill(0.1), [100000]);
    assert.ok(Math.abs(sum(a).data[0]! - 10000 * 1.0000000149011612) < 1e-2);
  });
  test("invalid axes name the op and rank", () => {
    assert.throws(() => sum(random(rng, [2, 3]), [2]), /sum: invalid axes \[2\] for rank 2/);
    assert.throws(() => max(random(rng, [2, 3]), [0, 0]), /max: invalid axes \[0, 0\] for rank 2/);
  });
});

// ---- NaN, elementwise errors -----------------------------------------------------------------------

describe("NaN propagates through relu, max, sum, sigmoid", () => {
  const x = ndarray(Float64Array.from([1, NaN, -2, 3]), [2, 2]);
  test("relu(NaN) = NaN, not 0", () => {
    const r = Array.from(relu(x).data);
    assert.equal(r[0], 1);
    assert.ok(Number.isNaN(r[1]));
    assert.equal(r[2], 0);
  });
  test("max: a NaN anywhere in the cell wins, wherever it sits", () => {
    assert.ok(Number.isNaN(max(x).data[0]!));
    assert.deepEqual(Array.from(max(x, [1]).data).map(Number.isNaN), [true, false]);
    assert.deepEqual(Array.from(max(x, [0]).data).map(Number.isNaN), [false, true]);
    assert.ok(Number.isNaN(max(ndarray(Float64Array.from([NaN, 5, 7]), [3])).data[0]!));
  });
  test("sum: NaN in, NaN out", () => {
    assert.ok(Number.isNaN(sum(x).data[0]!));
    assert.deepEqual(Array.from(sum(x, [0]).data).map(Number.isNaN), [false, true]);
  });
  test("sigmoid(NaN) = NaN", () => assert.ok(Number.isNaN(sigmoid(x).data[1]!)));
  test("elementwise shape mismatch names the op and both shapes", () => {
    assert.throws(() => add(x, ndarray(new Float64Array(3), [3])), /add: shape mismatch \[2, 2\] vs \[3\]/);
  });
});

// ---- Rng ------------------------------------------------------------------------------------------

describe("Rng: deterministic and distributed as claimed", () => {
  test("same seed, same stream; different seeds, different streams", () => {
    const a = randomNormal(new Rng(123), [1000], "float64");
    const b = randomNormal(new Rng(123), [1000], "float64");
    const c = randomNormal(new Rng(124), [1000], "float64");
    assert.deepEqual(Array.from(a.data), Array.from(b.data));
    assert.ok(Array.from(a.data).filter((v, i) => v === c.data[i]).length < 5);
  });

  test("getState/setState resumes the exact stream (mid Box–Muller pair too)", () => {
    const rng = new Rng(77);
    rng.normal(); // leaves a spare normal cached
    const state = rng.getState();
    const next = [rng.normal(), rng.uniform(), rng.normal(), rng.nextUint32()];
    const other = new Rng(1);
    other.setState(state);
    assert.deepEqual([other.normal(), other.uniform(), other.normal(), other.nextUint32()], next);
  });

  test("fillUint32 continues the nextUint32 stream exactly, and nextUint32 continues after it", () => {
    const a = new Rng(31);
    const b = new Rng(31);
    a.nextUint32();
    b.nextUint32();
    const bulk = a.fillUint32(new Uint32Array(1001));
    const single = Array.from({ length: 1001 }, () => b.nextUint32());
    assert.deepEqual(Array.from(bulk), single);
    assert.equal(a.nextUint32(), b.nextUint32());
  });

  // n = 200 000 draws: the sample mean has standard error σ/√n ≈ 0.0022σ; 6 standard errors is a
  // bound a correct generator essentially never crosses, while a biased one (e.g. off by 0.05) fails.
  const n = 200000;
  const moments = (a: NDArray): [number, number] => {
    let m = 0;
    for (const v of a.data) m += v;
    m /= a.data.length;
    let s = 0;
    for (const v of a.data) s += (v - m) ** 2;
    return [m, s / (a.data.length - 1)];
  };
  test("normal: mean 0, variance 1, and the 68–95 rule [seed 11]", () => {
    const a = randomNormal(new Rng(11), [n], "float64");
    const [m, v] = moments(a);
    assert.ok(Math.abs(m) < 6 / Math.sqrt(n), `mean ${m}`);
    assert.ok(Math.abs(v - 1) < 6 * Math.sqrt(2 / n), `variance ${v}`);
    const within1 = Array.from(a.data).filter((x) => Math.abs(x) < 1).length / n;
    assert.ok(Math.abs(within1 - 0.6826894921) < 0.005, `P(|z| < 1) = ${within1}`);
    const shifted = randomNormal(new Rng(11), [n], "float64", 3, 2);
    assert.ok(Math.abs(moments(shifted)[0] - 3) < 12 / Math.sqrt(n) && Math.abs(moments(shifted)[1] - 4) < 0.05);
  });
  test("uniform: in [low, high), mean ½, variance 1/12 [seed 12]", () => {
    const a = randomUniform(new Rng(12), [n], "float64");
    assert.ok(Array.from(a.data).every((v) => v >= 0 && v < 1));
    const [m, v] = moments(a);
    assert.ok(Math.abs(m - 0.5) < 6 * Math.sqrt(1 / 12 / n), `mean ${m}`);
    assert.ok(Math.abs(v - 1 / 12) < 0.002, `variance ${v}`);
    assert.ok(Array.from(randomUniform(new Rng(12), [1000], "float32", -2, 5).data).every((x) => x >= -2 && x <= 5));
  });
  test("rademacher: ±1 only, balanced [seed 13]", () => {
    const a = randomRademacher(new Rng(13), [n], "float64");
    assert.ok(Array.from(a.data).every((v) => v === 1 || v === -1));
    assert.ok(Math.abs(moments(a)[0]) < 6 / Math.sqrt(n));
  });
  test("int and shuffle: a permutation, every value reachable [seed 14]", () => {
    const rng = new Rng(14);
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 70000; i++) counts[rng.int(7)]!++;
    assert.ok(counts.every((c) => Math.abs(c - 10000) < 600), counts.join(","));
    const p = rng.shuffle(Array.from({ length: 50 }, (_, i) => i));
    assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  });
  test("a non-finite seed is rejected", () => assert.throws(() => new Rng(NaN), RangeError));
  test("ShapeError is the error type of kernel shape problems", () => {
    assert.throws(() => broadcastTo(ndarray(new Float64Array(2), [2]), [3]), ShapeError);
  });
});
