import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { eigh } from "./eigh.js";
import { randSymmetric, withSpectrum } from "./gallery.js";
import { lanczos, lanczosProductLimit, type EigenTarget } from "./lanczos.js";
import { countProducts, fromDense, fromDiagonal } from "./linearOperator.js";
import { powerIteration } from "./powerIteration.js";
import { dot } from "./vector.js";

/** The reference: the k wanted eigenvalues from the dense eigensolver, in the order of `which`. */
function expected(values: Float64Array, which: EigenTarget, k: number): number[] {
  const all = Array.from(values);
  if (which === "largest") return all.reverse().slice(0, k);
  if (which === "smallest") return all.slice(0, k);
  return all.sort((a, b) => Math.abs(b) - Math.abs(a)).slice(0, k);
}

describe("lanczos against dense eigh", () => {
  // Sizes make the basis (default 40) both smaller than n (restarts) and equal to n (exhausted).
  for (const [n, seed, k] of [[150, 1, 5], [300, 2, 3], [30, 3, 4]] as const) {
    for (const which of ["largest", "smallest", "magnitude"] as const) {
      test(`${which} k=${k} of random symmetric n=${n} seed=${seed}`, () => {
        const a = randSymmetric(n, seed);
        const counted = countProducts(fromDense(a, n));
        const result = lanczos(counted.operator, { k, which, seed, maxIter: 3000 });
        const ref = expected(eigh(a, n).values, which, k);
        const scale = Math.max(...ref.map(Math.abs));
        assert.equal(result.converged, true);
        assert.equal(result.products, counted.count(), "products must count every matvec");
        ref.forEach((x, i) => {
          const err = Math.abs(result.values[i]! - x);
          assert.ok(err <= 1e-8 * scale, `${which} λ${i}: ${result.values[i]} vs ${x} (rel ${err / scale})`);
          assert.ok(result.residuals[i]! <= 1e-8 * scale, `residual ${result.residuals[i]}`);
          // The reported residual is the true one: recompute it here.
          const q = result.vectors[i]!;
          const aq = counted.operator.matvec(q);
          const r = Math.sqrt(aq.reduce((s, y, j) => s + (y - result.values[i]! * q[j]!) ** 2, 0));
          assert.ok(Math.abs(r - result.residuals[i]!) <= 1e-12 * scale + 1e-3 * r, `residual ${r} vs ${result.residuals[i]}`);
          assert.ok(Math.abs(dot(q, q) - 1) <= 1e-12);
        });
      });
    }
  }

  test("clustered top of a known spectrum, with restarts (seed 4)", () => {
    const n = 200;
    const spectrum = Array.from({ length: n }, (_, i) => (i < 190 ? i / 190 : 10 + (i - 190) * 1e-3));
    const result = lanczos(fromDense(withSpectrum(spectrum, 4), n), { k: 4, which: "largest", basisSize: 20, seed: 4 });
    assert.equal(result.converged, true);
    assert.ok(result.restarts > 0, "basisSize 20 < n must force a thick restart");
    [10.009, 10.008, 10.007, 10.006].forEach((x, i) => assert.ok(Math.abs(result.values[i]! - x) <= 1e-8 * 10.009));
  });

  test("invariant subspaces: a start vector inside an eigenspace, and a multiple of the identity", () => {
    const d = Float64Array.from({ length: 50 }, (_, i) => i);
    const start = new Float64Array(50);
    start[10] = 1; // e₁₀ is an eigenvector (λ = 10): the Krylov space breaks down after one step.
    const result = lanczos(fromDiagonal(d), { k: 3, which: "largest", startVector: start, seed: 5 });
    assert.equal(result.converged, true);
    [49, 48, 47].forEach((x, i) => assert.ok(Math.abs(result.values[i]! - x) <= 1e-8 * 49, `${result.values[i]} vs ${x}`));
    result.residuals.forEach((r) => assert.ok(r <= 1e-8 * 49));
    // Every vector is an eigenvector of 3I: each step breaks down; two copies still come back.
    const flat = lanczos(fromDiagonal(new Float64Array(20).fill(3)), { k: 2, which: "smallest", seed: 5 });
    assert.equal(flat.converged, true);
    assert.deepEqual(Array.from(flat.values), [3, 3]);
    assert.ok(flat.iterations <= 4, `${flat.iterations} steps for a multiple of the identity`);
  });

  test("tiny n: the Krylov space is exhausted and the answer is exact", () => {
    const a = randSymmetric(3, 6);
    const result = lanczos(fromDense(a, 3), { k: 3, which: "smallest", seed: 6 });
    const ref = eigh(a, 3).values;
    assert.equal(result.converged, true);
    ref.forEach((x, i) => assert.ok(Math.abs(result.values[i]! - x) <= 1e-13 * 10));
  });

  test("rejects bad k and non-symmetric operators", () => {
    const op = fromDense(randSymmetric(4, 7), 4);
    assert.throws(() => lanczos(op, { k: 5, which: "largest" }), /k must be/);
    assert.throws(() => lanczos({ ...op, symmetric: false }, { k: 1, which: "largest" }), /symmetric/);
  });
});

describe("powerIteration", () => {
  test("finds the dominant eigenpair, and needs more products than lanczos (seed 8)", () => {
    const n = 100;
    const spectrum = Array.from({ length: n }, (_, i) => (i === n - 1 ? -4 : i === n - 2 ? 3.6 : (3 * i) / n));
    const op = fromDense(withSpectrum(spectrum, 8), n);
    const power = powerIteration(op, { maxIter: 5000, tol: 1e-8, seed: 8 });
    assert.equal(power.converged, true);
    assert.ok(Math.abs(power.value + 4) <= 1e-8 * 4, `power ${power.value}`);
    assert.ok(power.residual <= 1e-8 * 4);
    const krylov = lanczos(op, { k: 1, which: "magnitude", tol: 1e-8, seed: 8 });
    assert.ok(Math.abs(krylov.values[0]! + 4) <= 1e-8 * 4);
    assert.ok(krylov.products < power.iterations, `lanczos ${krylov.products} vs power ${power.iterations}`);
  });
});

test("lanczosProductLimit bounds the products of a run that hits its limit, and of one that converges (seed 9)", () => {
  const n = 60;
  const op = fromDense(withSpectrum(Array.from({ length: n }, (_, i) => 1 + i / n + (i % 7) * 1e-3), 9), n);
  // an impossible tolerance runs to maxIter, then the residual products on top
  const capped = lanczos(op, { k: 3, which: "largest", tol: 0, maxIter: 25, basisSize: 10, seed: 9 });
  assert.equal(capped.products, lanczosProductLimit(n, { k: 3, maxIter: 25, basisSize: 10 }));
  const converged = lanczos(op, { k: 2, which: "smallest", tol: 1e-8, seed: 9 });
  assert.ok(converged.products <= lanczosProductLimit(n, { k: 2 }), `${converged.products}`);
});
