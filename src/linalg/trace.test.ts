import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../kernels/random.js";
import { randSymmetric, withSpectrum } from "./gallery.js";
import { countProducts, fromDense, sum, fromDiagonal } from "./linearOperator.js";
import { diagonalEstimate, hutchinson, hutchPlusPlus } from "./trace.js";

function trace(a: Float64Array, n: number): number {
  let t = 0;
  for (let i = 0; i < n; i++) t += a[i * n + i]!;
  return t;
}

describe("hutchinson", () => {
  const n = 60;
  const a = randSymmetric(n, 1).map((x, i) => x + (i % (n + 1) === 0 ? 3 : 0));
  const op = fromDense(a, n);
  const exact = trace(a, n);

  for (const distribution of ["rademacher", "gaussian"] as const) {
    test(`unbiased, with error shrinking like 1/√probes (${distribution}, seeds 0–199)`, () => {
      // Unbiasedness: the mean of 200 independent 16-probe estimates is within 4 of its standard errors.
      const runs = Array.from({ length: 200 }, (_, seed) => hutchinson(op, { probes: 16, seed, distribution }));
      const mean = runs.reduce((s, r) => s + r.estimate, 0) / runs.length;
      const spread = Math.sqrt(runs.reduce((s, r) => s + (r.estimate - mean) ** 2, 0) / (runs.length - 1));
      assert.ok(Math.abs(mean - exact) <= (4 * spread) / Math.sqrt(runs.length), `mean ${mean} vs ${exact}`);
      // The reported standard error matches the observed spread of the estimates (within 30%).
      const reported = runs.reduce((s, r) => s + r.standardError, 0) / runs.length;
      assert.ok(Math.abs(reported / spread - 1) <= 0.3, `reported ${reported} vs observed ${spread}`);
      // 16× the probes: about ¼ the standard error.
      const small = hutchinson(op, { probes: 16, seed: 1000, distribution });
      const large = hutchinson(op, { probes: 256, seed: 1001, distribution });
      const ratio = large.standardError / small.standardError;
      assert.ok(ratio > 0.15 && ratio < 0.4, `SE ratio ${ratio}, expected ≈ 0.25`);
      assert.ok(Math.abs(large.estimate - exact) <= 4 * large.standardError);
      assert.equal(large.products, 256);
    });
  }

  test("exact for a diagonal matrix with Rademacher probes; same seed, same result", () => {
    const d = Float64Array.from({ length: 30 }, (_, i) => i - 7.5);
    const r = hutchinson(fromDiagonal(d), { probes: 3, seed: 2 });
    assert.ok(Math.abs(r.estimate - d.reduce((s, x) => s + x, 0)) <= 1e-12);
    assert.deepEqual(hutchinson(op, { probes: 5, seed: 9 }), hutchinson(op, { probes: 5, seed: 9 }));
  });
});

describe("hutchPlusPlus", () => {
  test("beats Hutchinson at equal products on low rank plus noise (seeds 0–39)", () => {
    const n = 200;
    const spectrum = Array.from({ length: n }, (_, i) => (i < 10 ? 100 + i : 0));
    const lowRank = fromDense(withSpectrum(spectrum, 3), n);
    const noise = randSymmetric(n, 4).map((x) => 0.05 * x);
    const op = sum(lowRank, fromDense(noise, n));
    const exact = spectrum.reduce((s, x) => s + x, 0) + trace(noise, n);
    let errHutch = 0;
    let errPlus = 0;
    for (let seed = 0; seed < 40; seed++) {
      const counted = countProducts(op);
      const plus = hutchPlusPlus(counted.operator, { products: 60, seed });
      assert.equal(plus.products, counted.count());
      assert.ok(plus.products <= 60);
      errPlus += (plus.estimate - exact) ** 2;
      errHutch += (hutchinson(op, { probes: 60, seed }).estimate - exact) ** 2;
    }
    const rmsPlus = Math.sqrt(errPlus / 40);
    const rmsHutch = Math.sqrt(errHutch / 40);
    assert.ok(rmsPlus < rmsHutch / 10, `Hutch++ rms ${rmsPlus} vs Hutchinson ${rmsHutch}`);
  });

  test("exact (up to rounding) when the rank is below the sketch size, using fewer products", () => {
    const n = 50;
    const spectrum = Array.from({ length: n }, (_, i) => (i < 3 ? i + 1 : 0));
    const r = hutchPlusPlus(fromDense(withSpectrum(spectrum, 5), n), { products: 30, seed: 5 });
    assert.equal(r.rank, 3);
    assert.ok(r.products < 30);
    assert.ok(Math.abs(r.estimate - 6) <= 1e-10, `${r.estimate}`);
  });
});

describe("diagonalEstimate", () => {
  test("converges to diag(A) within its standard errors (seed 6)", () => {
    const n = 40;
    const a = randSymmetric(n, 6);
    const r = diagonalEstimate(fromDense(a, n), { probes: 400, seed: 6 });
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const z = Math.abs(r.diagonal[i]! - a[i * n + i]!) / r.standardError[i]!;
      if (z > 3) outside++;
      // Rademacher variance of entry i is Σ_{j≠i} a_ij² / m: the reported error must match it.
      let offDiag = 0;
      for (let j = 0; j < n; j++) if (j !== i) offDiag += a[i * n + j]! ** 2;
      const expected = Math.sqrt(offDiag / 400);
      assert.ok(Math.abs(r.standardError[i]! / expected - 1) < 0.25, `SE ${r.standardError[i]} vs ${expected}`);
    }
    assert.ok(outside <= 2, `${outside} of ${n} entries beyond 3 standard errors`);
  });

  test("exact for a diagonal operator", () => {
    const d = new Rng(7);
    const diag = Float64Array.from({ length: 25 }, () => d.normal());
    const r = diagonalEstimate(fromDiagonal(diag), { probes: 2, seed: 7 });
    r.diagonal.forEach((x, i) => assert.ok(Math.abs(x - diag[i]!) <= 1e-15));
  });
});
