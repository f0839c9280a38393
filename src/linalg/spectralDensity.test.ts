/** @file stochastic Lanczos quadrature against known spectra: mass, smoothed density, early stop, and the negative fraction's bracket */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../kernels/random.js";
import { randomOrthogonal, withSpectrum } from "./gallery.js";
import { countProducts, fromDense, fromDiagonal } from "./linearOperator.js";
import { spectralDensity } from "./spectralDensity.js";
import { randomVector } from "./vector.js";

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

describe("spectralDensity: the negative fraction's bracket covers the quadrature bias", () => {
  // A cluster of 80 eigenvalues within ±0.05 of zero (30 of them negative) among spread-out ones:
  // too fine for a few Gauss nodes to split at 0, the case where the point estimate is biased.
  const n = 160;
  const spectrum = Array.from({ length: n }, (_, i) => (i < 30 ? -0.05 + 0.0016 * i : i < 80 ? 0.001 + 0.001 * (i - 30) : i < 120 ? -3 + 0.07 * (i - 80) : 0.2 + 0.1 * (i - 120)));
  const truth = spectrum.filter((x) => x < 0).length / n;
  const seed = 5;
  const q = randomOrthogonal(n, seed);
  const op = fromDense(withSpectrum(spectrum, seed), n, { symmetric: true });

  test("per probe, the Chebyshev–Markov–Stieltjes bounds hold for that probe's own measure (seed 5)", () => {
    for (const steps of [6, 12, 25]) {
      const d = spectralDensity(op, { probes: 4, steps, seed: 7 });
      // replay the probes: Rademacher from the same generator, normalized
      const rng = new Rng(7);
      for (let p = 0; p < 4; p++) {
        const v = randomVector(rng, n, "rademacher");
        let mass = 0;
        for (let j = 0; j < n; j++) {
          if (spectrum[j]! >= 0) continue;
          let c = 0;
          for (let i = 0; i < n; i++) c += q[i * n + j]! * v[i]!;
          mass += (c * c) / n;
        }
        const b = d.negativeFraction.perProbe[p]!;
        assert.ok(b.lower <= mass + 1e-12 && mass <= b.upper + 1e-12, `steps ${steps}, probe ${p}: ${mass} outside [${b.lower}, ${b.upper}]`);
      }
    }
  });

  test("the interval contains the true fraction at every step count, and narrows as steps grow (seed 8)", () => {
    let previous = Infinity;
    for (const steps of [6, 12, 25, 60, n]) {
      const { negativeFraction: f } = spectralDensity(op, { probes: 20, steps, seed: 8 });
      assert.ok(f.interval[0] <= truth && truth <= f.interval[1], `steps ${steps}: ${truth} outside [${f.interval[0]}, ${f.interval[1]}]`);
      assert.ok(f.lower <= f.estimate && f.estimate <= f.upper);
      const width = f.interval[1] - f.interval[0];
      assert.ok(width <= previous + 0.02, `steps ${steps}: width ${width} after ${previous}`);
      previous = width;
    }
    // with the whole Krylov space the quadrature is exact: only probe noise is left
    const exact = spectralDensity(op, { probes: 20, steps: n, seed: 8 }).negativeFraction;
    assert.ok(exact.upper - exact.lower <= 1e-9, `[${exact.lower}, ${exact.upper}]`);
    assert.equal(exact.resolved, true);
    const coarse = spectralDensity(op, { probes: 20, steps: 6, seed: 8 }).negativeFraction;
    assert.equal(coarse.resolved, false);
  });
});
