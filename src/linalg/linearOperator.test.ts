import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Rng } from "../kernels/random.js";
import { compose, countProducts, damped, fromDense, fromDiagonal, identity, scale, sum, toDense } from "./linearOperator.js";
import { randSymmetric } from "./gallery.js";
import { dot } from "./vector.js";

/** Dense row-major product of [m, k] and [k, n] written out longhand, as the independent reference. */
function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let l = 0; l < k; l++) c[i * n + j]! += a[i * k + l]! * b[l * n + j]!;
  return c;
}

function randomMatrix(rows: number, cols: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: rows * cols }, () => rng.normal());
}

function assertClose(actual: Float64Array, expected: Float64Array, tol: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `entry ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

/** A non-square dense operator, for shape tests of compose. */
function rectangular(a: Float64Array, rows: number, cols: number) {
  return {
    shape: [rows, cols] as const,
    symmetric: false,
    matvec: (v: Float64Array) => matmul(a, v, rows, cols, 1),
  };
}

describe("LinearOperator algebra against dense arithmetic (seed 1–4)", () => {
  const n = 7;
  const a = randSymmetric(n, 1);
  const b = randSymmetric(n, 2);
  const A = fromDense(a, n);
  const B = fromDense(b, n);

  test("fromDense round-trips through toDense and detects symmetry", () => {
    assertClose(toDense(A), a, 0);
    assert.equal(A.symmetric, true);
    const c = randomMatrix(n, n, 3);
    assert.equal(fromDense(c, n).symmetric, false);
    assert.throws(() => fromDense(c, n, { symmetric: true }), /declared symmetric/);
  });

  test("sum, scale, damped, compose match the dense formulas", () => {
    assertClose(toDense(sum(A, B, A)), a.map((x, i) => 2 * x + b[i]!), 1e-12);
    assertClose(toDense(scale(A, -2.5)), a.map((x) => -2.5 * x), 1e-12);
    assertClose(toDense(damped(A, 0.3)), a.map((x, i) => x + (i % (n + 1) === 0 ? 0.3 : 0)), 1e-12);
    assertClose(toDense(compose(A, B)), matmul(a, b, n, n, n), 1e-12);
    assertClose(toDense(compose(A, B, A)), matmul(matmul(a, b, n, n, n), a, n, n, n), 1e-11);
    assertClose(toDense(identity(n)), toDense(fromDiagonal(new Float64Array(n).fill(1))), 0);
    assert.equal(sum(A, B).symmetric, true);
    assert.equal(compose(A, B).symmetric, false);
  });

  test("compose of rectangular factors has the outer shape", () => {
    const p = randomMatrix(3, 5, 4);
    const q = randomMatrix(5, 2, 5);
    const op = compose(rectangular(p, 3, 5), rectangular(q, 5, 2));
    assert.deepEqual(op.shape, [3, 2]);
    assertClose(toDense(op), matmul(p, q, 3, 5, 2), 1e-12);
  });

  test("shape mismatches throw naming both shapes", () => {
    const small = fromDense(randSymmetric(3, 6), 3);
    assert.throws(() => sum(A, small), /\[7, 7\].*\[3, 3\]/);
    assert.throws(() => compose(A, small), /\[7, 7\].*\[3, 3\]/);
    assert.throws(() => A.matvec(new Float64Array(3)), /\[7, 7\].*length 3/);
    assert.throws(() => damped(rectangular(randomMatrix(3, 5, 7), 3, 5), 1), /not square/);
  });

  test("countProducts counts every matvec", () => {
    const counted = countProducts(A);
    toDense(counted.operator);
    assert.equal(counted.count(), n);
    counted.reset();
    counted.operator.matvec(new Float64Array(n));
    assert.equal(counted.count(), 1);
  });
});

describe("properties (fast-check)", () => {
  test("⟨u, Av⟩ = ⟨Au, v⟩ for symmetric fromDense operators, and A is linear", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 1e6 }), (n, seed) => {
        const A = fromDense(randSymmetric(n, seed), n);
        const rng = new Rng(seed + 1);
        const u = Float64Array.from({ length: n }, () => rng.normal());
        const v = Float64Array.from({ length: n }, () => rng.normal());
        const lhs = dot(u, A.matvec(v));
        const rhs = dot(A.matvec(u), v);
        const scaleOf = Math.sqrt(dot(u, u) * dot(v, v)) * n;
        assert.ok(Math.abs(lhs - rhs) <= 1e-13 * scaleOf, `${lhs} vs ${rhs}`);
        const combo = A.matvec(u.map((x, i) => 2 * x - 3 * v[i]!));
        const au = A.matvec(u);
        const av = A.matvec(v);
        combo.forEach((x, i) => assert.ok(Math.abs(x - (2 * au[i]! - 3 * av[i]!)) <= 1e-12 * scaleOf));
      }),
      { numRuns: 200, seed: 42 },
    );
  });
});
