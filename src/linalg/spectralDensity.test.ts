import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { withSpectrum } from "./gallery.js";
import { countProducts, fromDense, fromDiagonal } from "./linearOperator.js";
import { spectralDensity } from "./spectralDensity.js";

/** ∫ over the grid by the trapezoid rule, optionally only where t < cut. */
function trapezoid(grid: Float64Array, f: Float64Array, cut = Infinity): number {
  let s = 0;
  for (let g = 1; g < grid.length; g++) {
    if (grid[g]! > cut) break;
    s += 0.5 * (f[g]! + f[g - 1]!) * (grid[g]! - grid[g - 1]!);
  }
  return s;
}

describe("spectralDensity (stochastic Lanczos quadrature)", () => {
  // Half the eigenvalues in [−3, −1], half in [1, 5]: a known spectrum with mass ½ below zero.
  const n = 200;
  const spectrum = Array.from({ length: n }, (_, i) => (i < n / 2 ? -3 + (2 * i) / (n / 2) : 1 + (4 * (i - n / 2)) / (n / 2)));
  const op = fromDense(withSpectrum(spectrum, 1), n);

  test("integrates to 1, and its mass below zero is ½ (seed 1)", () => {
    const counted = countProducts(op);
    const d = spectralDensity(counted.operator, { probes: 20, steps: 40, seed: 1 });
    assert.equal(d.products, counted.count());
    assert.equal(d.products, 20 * 40);
    assert.ok(Math.abs(trapezoid(d.grid, d.density) - 1) <= 1e-4, `∫φ = ${trapezoid(d.grid, d.density)}`);
    const below = trapezoid(d.grid, d.density, 0);
    // Rademacher probes: per-probe fractions vary by O(1/√n); 20 probes give SE ≈ 0.01.
    assert.ok(Math.abs(below - 0.5) <= 0.05, `mass below 0 = ${below}`);
    const neg = d.negativeFraction;
    assert.ok(Math.abs(neg.estimate - 0.5) <= 4 * neg.standardError + 1e-3, `negative fraction ${neg.estimate} ± ${neg.standardError}`);
    assert.ok(neg.standardError < 0.03);
    d.weights.forEach((w) => assert.ok(Math.abs(w.reduce((s, x) => s + x, 0) - 1) <= 1e-12, "weights of each probe sum to 1"));
    d.stderr.forEach((s) => assert.ok(Number.isFinite(s) && s >= 0));
  });

  test("matches the exact smoothed density of the known spectrum within its error bars (seed 2)", () => {
    const sigma = 0.3;
    const d = spectralDensity(op, { probes: 30, steps: 60, seed: 2, sigma, gridSize: 200 });
    let worst = 0;
    for (let g = 0; g < d.grid.length; g++) {
      let exact = 0;
      for (const x of spectrum) exact += Math.exp(-0.5 * ((d.grid[g]! - x) / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI));
      exact /= n;
      // 5 standard errors plus a small floor where the density (and its error bar) vanish.
      const z = Math.abs(d.density[g]! - exact) / (d.stderr[g]! + 1e-3);
      worst = Math.max(worst, z);
    }
    assert.ok(worst <= 5, `largest deviation ${worst} standard errors`);
  });

  test("few distinct eigenvalues: Lanczos stops early and the nodes are the eigenvalues (seed 3)", () => {
    const d = Float64Array.from({ length: 90 }, (_, i) => [-2, 1, 4][i % 3]!);
    const result = spectralDensity(fromDiagonal(d), { probes: 4, steps: 30, seed: 3 });
    assert.ok(result.products <= 4 * 3 + 4, `${result.products} products; three distinct values need three steps per probe`);
    for (const nodes of result.nodes) {
      assert.equal(nodes.length, 3);
      [-2, 1, 4].forEach((x, i) => assert.ok(Math.abs(nodes[i]! - x) <= 1e-12));
    }
    assert.ok(Math.abs(result.negativeFraction.estimate - 1 / 3) <= 0.1);
    assert.ok(Math.abs(trapezoid(result.grid, result.density) - 1) <= 1e-4);
  });

  test("same seed, same density; bad options are rejected", () => {
    const a = spectralDensity(op, { probes: 2, steps: 10, seed: 4 });
    const b = spectralDensity(op, { probes: 2, steps: 10, seed: 4 });
    assert.deepEqual(a.density, b.density);
    assert.throws(() => spectralDensity(op, { probes: 0, steps: 10 }), /probes/);
    assert.throws(() => spectralDensity(op, { probes: 1, steps: 10, range: [1, 0] }), /range/);
  });
});
