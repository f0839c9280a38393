/** @file the readout's text honours the data-testid contract: eigenvalues parse back, descending, to nine significant digits */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_QUADRATIC } from "./functions.js";
import { formatNumber } from "./format.js";
import { analyzePoint } from "./labModel.js";
import { labReadout } from "./readout.js";

test("the eigenvalues text of rosenbrock at (1, 1) parses back to both eigenvalues within 5e-9 relative", () => {
  const a = analyzePoint({ fn: "rosenbrock", x: 1, y: 1, quadratic: DEFAULT_QUADRATIC });
  const r = labReadout(a);
  const parsed = r.eigenvalues.split(",").map(Number);
  assert.equal(parsed.length, 2);
  parsed.forEach((v, i) => assert.ok(Math.abs(v - a.eigenvalues[i]!) <= 5e-9 * Math.abs(a.eigenvalues[i]!), `${v}`));
  assert.ok(parsed[0]! >= parsed[1]!);
  assert.equal(r.classification, "minimum");
  assert.equal(r.curvatureNote, "");
});

test("a point that is not critical says so, and names the curvature's class separately", () => {
  const r = labReadout(analyzePoint({ fn: "monkey-saddle", x: 0.5, y: 0.5, quadratic: DEFAULT_QUADRATIC }));
  assert.equal(r.classification, "not critical");
  assert.equal(r.curvatureNote, "curvature here: saddle-like");
  assert.match(r.eigenvalues, /^4\.24264069, -4\.24264069$/);
});

test("formatNumber keeps nine significant digits, ASCII minus, exponent form for tiny and huge numbers", () => {
  assert.equal(formatNumber(2), "2.00000000");
  assert.equal(formatNumber(-1 / 3), "-0.333333333");
  assert.equal(formatNumber(1.5e-7), "1.50000000e-7");
  assert.equal(Number(formatNumber(-123456789012)), -123456789000);
  assert.equal(formatNumber(0), "0");
});
