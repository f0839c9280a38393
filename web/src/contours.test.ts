/** @file contour helpers: the grid's cell centres, log spacing of the levels, and lines lying on the level sets of x² + y² */
import assert from "node:assert/strict";
import { test } from "node:test";
import { contourLines, logLevels, sampleGrid } from "./contours.js";

const box = { x: [-2, 2], y: [-2, 2] } as const;

test("sampleGrid puts cell centres row by row from the top: (i, j) ↦ (x0 + (i + ½)w/n, y1 − (j + ½)h/n)", () => {
  const g = sampleGrid(box, 4);
  assert.deepEqual(Array.from(g.xs.slice(0, 4)), [-1.5, -0.5, 0.5, 1.5]);
  assert.deepEqual([g.ys[0], g.ys[15]], [1.5, -1.5]);
});

test("logLevels are log-spaced in f − min f over four decades up to the 95th percentile", () => {
  const values = Float64Array.from({ length: 1000 }, (_, i) => 3 + i);
  const levels = logLevels(values, 5);
  const ratios = levels.slice(1).map((l, k) => (l - 3) / (levels[k]! - 3));
  for (const r of ratios) assert.ok(Math.abs(r - 10) < 1e-9, `ratio ${r}`);
  assert.equal(levels.at(-1), 3 + 950);
  assert.deepEqual(logLevels(new Float64Array(10).fill(1), 5), [], "a constant has no contours");
});

test("where the minimum is on the border (a saddle), the levels are log-spaced on both sides of the median", () => {
  const n = 101;
  const g = sampleGrid(box, n);
  // x² − y²: minimum at the border (0, ±2), median 0 by symmetry
  const values = g.xs.map((x, i) => x * x - g.ys[i]! * g.ys[i]!);
  const levels = logLevels(values, 10, n);
  assert.equal(levels.length, 10);
  const above = levels.filter((l) => l > 0);
  const below = levels.filter((l) => l < 0).reverse();
  assert.equal(above.length, 5);
  assert.equal(below.length, 5);
  for (const side of [above, below.map((l) => -l)]) {
    side.slice(1).forEach((l, k) => assert.ok(Math.abs(l / side[k]! - 10) < 1e-9, `ratio ${l / side[k]!}`));
  }
  // with an interior minimum the one-sided spacing stays
  const bowl = g.xs.map((x, i) => x * x + g.ys[i]! * g.ys[i]!);
  assert.ok(logLevels(bowl, 10, n).every((l) => l > 0));
});

test("contour lines of x² + y² at level c are circles of radius √c (to the grid's resolution)", () => {
  const n = 200;
  const g = sampleGrid(box, n);
  const values = g.xs.map((x, i) => x * x + g.ys[i]! * g.ys[i]!);
  const [line] = contourLines(values, n, [1]);
  // d3-contour's polygon of {f ≥ 1} is the box's border ring with the circle as its hole
  const inner = line!.rings.filter((r) => r.every(([u, v]) => u > 0 && u < 1 && v > 0 && v < 1));
  assert.equal(inner.length, 1);
  assert.equal(line!.rings.length, 2);
  const ring = inner[0]!;
  assert.ok(ring.length > 100);
  for (const [u, v] of ring) {
    const [x, y] = [box.x[0] + u * 4, box.y[1] - v * 4];
    // linear interpolation between samples 0.02 apart misplaces x² + y² = 1 by at most ~h²/8
    assert.ok(Math.abs(Math.hypot(x, y) - 1) < 1e-3, `(${x}, ${y})`);
  }
});
