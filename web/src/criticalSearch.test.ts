/** @file Newton on ½‖∇f‖² lands on the known critical points (closed forms and literature values) from nearby starts */
import assert from "node:assert/strict";
import { test } from "node:test";
import { findCriticalPoint } from "./criticalSearch.js";
import { DEFAULT_QUADRATIC, type FunctionName } from "./functions.js";
import { analyzePoint } from "./labModel.js";

const from = (fn: FunctionName, x: number, y: number) => findCriticalPoint({ fn, x, y, quadratic: DEFAULT_QUADRATIC });

for (const [fn, start, truth, kind] of [
  ["rosenbrock", [0.8, 0.5], [1, 1], "minimum"],
  ["booth", [-5, -5], [1, 3], "minimum"],
  ["himmelblau", [3.5, -2], [3.584428340330, -1.848126526964], "minimum"],
  ["himmelblau", [-0.5, -1], [-0.270844590667, -0.923038556480], "maximum"],
  ["six-hump-camel", [0.2, -0.6], [0.089842008, -0.712656403], "minimum"],
] as const) {
  test(`Newton on ½‖∇f‖² from (${start.join(", ")}) finds ${fn}'s ${kind} at (${truth.join(", ")})`, () => {
    const r = from(fn, start[0], start[1]);
    assert.equal(r.stop, "converged");
    // literature values carry 9–12 digits; the search iterates to rounding
    assert.ok(Math.hypot(r.point[0] - truth[0], r.point[1] - truth[1]) < 1e-8, `ended at (${r.point.join(", ")})`);
    assert.ok(r.gradientNorm < 1e-9, `‖∇f‖ ${r.gradientNorm}`);
    assert.equal(analyzePoint({ fn, x: r.point[0], y: r.point[1], quadratic: DEFAULT_QUADRATIC }).label, kind);
    assert.deepEqual(r.path[0], start);
    assert.deepEqual(r.path.at(-1), r.point);
  });
}

test("at the monkey saddle (degenerate: φ = 4.5 r⁴) the search still converges, linearly, to the origin", () => {
  const r = from("monkey-saddle", 0.5, 0.5);
  assert.equal(r.stop, "converged");
  assert.ok(Math.hypot(...r.point) < 1e-3, `ended at (${r.point.join(", ")})`);
  // linear convergence: far more steps than Newton needs at a nondegenerate point
  assert.ok(r.iterations > 10, `${r.iterations} steps`);
  assert.equal(analyzePoint({ fn: "monkey-saddle", x: r.point[0], y: r.point[1], quadratic: DEFAULT_QUADRATIC }).label, "degenerate");
});

test("φ decreases along the whole path (the damping guarantees descent)", () => {
  const r = from("himmelblau", 0, 0);
  const phi = r.path.map(([x, y]) => analyzePoint({ fn: "himmelblau", x, y, quadratic: DEFAULT_QUADRATIC }).gradientNorm);
  for (let i = 1; i < phi.length; i++) assert.ok(phi[i]! < phi[i - 1]!, `step ${i}: ‖∇f‖ ${phi[i - 1]} → ${phi[i]}`);
  assert.equal(r.stop, "converged");
});
