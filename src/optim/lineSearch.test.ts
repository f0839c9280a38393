/** @file line searches: strong Wolfe conditions hold at accepted points (seeded directions on Rosenbrock and a quartic), Armijo backtracking */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../kernels/random.js";
import { dot } from "../linalg/vector.js";
import { armijo, interpolate, lineFunction, strongWolfe } from "./lineSearch.js";
import { ROSENBROCK } from "./testing.js";

test("strong Wolfe: both conditions hold at the accepted point for 40 seeded descent directions on Rosenbrock (seed 7)", () => {
  const rng = new Rng(7);
  const obj = ROSENBROCK.problem.objective;
  for (const c2 of [0.9, 0.1]) {
    for (let trial = 0; trial < 20; trial++) {
      const theta = Float64Array.of(-2 + 4 * rng.uniform(), -1 + 3 * rng.uniform());
      const { value, grad } = obj.valueAndGrad(theta);
      // a random descent direction: −g rotated by up to ±80°, scaled by a random length
      const angle = ((rng.uniform() - 0.5) * 160 * Math.PI) / 180;
      const len = 10 ** (4 * rng.uniform() - 3);
      const d = Float64Array.of(
        -len * (Math.cos(angle) * grad[0]! - Math.sin(angle) * grad[1]!),
        -len * (Math.sin(angle) * grad[0]! + Math.cos(angle) * grad[1]!),
      );
      const slope = dot(grad, d);
      assert.ok(slope < 0);
      const r = strongWolfe(lineFunction(obj, theta, d), { alpha: 0, value, slope, grad }, { c1: 1e-4, c2 });
      assert.equal(r.stop, "wolfe", `trial ${trial} c2=${c2}: ${r.stop} after ${r.evaluations}`);
      const p = r.point;
      assert.ok(p.value <= value + 1e-4 * p.alpha * slope, "sufficient decrease");
      assert.ok(Math.abs(p.slope) <= -c2 * slope, "curvature condition");
      // the point's own slope is consistent with its gradient
      assert.ok(Math.abs(p.slope - dot(p.grad, d)) <= 1e-12 * Math.abs(p.slope) + 1e-300);
    }
  }
});

test("strong Wolfe on φ(α) = (α − 3)⁴ − 3α² brackets by doubling and zooms to a point meeting both conditions", () => {
  const phi = (alpha: number): { alpha: number; value: number; slope: number; grad: Float64Array } => ({
    alpha,
    value: (alpha - 3) ** 4 - 3 * alpha * alpha,
    slope: 4 * (alpha - 3) ** 3 - 6 * alpha,
    grad: new Float64Array(0),
  });
  const start = phi(0);
  const r = strongWolfe(phi, start, { c2: 0.1, initial: 0.25 });
  assert.equal(r.stop, "wolfe");
  assert.ok(r.point.value <= start.value + 1e-4 * r.point.alpha * start.slope);
  assert.ok(Math.abs(r.point.slope) <= 0.1 * Math.abs(start.slope));
});

test("strong Wolfe rejects an ascent direction", () => {
  assert.throws(() => strongWolfe(() => ({ alpha: 1, value: 0, slope: 0, grad: new Float64Array(0) }), { alpha: 0, value: 0, slope: 1, grad: new Float64Array(0) }), /descent/);
});

test("interpolate: the cubic through two values and slopes of a cubic is exact, and stays inside the bracket", () => {
  // φ(α) = (α − 1)³/3 − (α − 1)·… : use φ = α³ − 3α (min at α = 1)
  const pt = (a: number): { alpha: number; value: number; slope: number; grad: Float64Array } => ({ alpha: a, value: a ** 3 - 3 * a, slope: 3 * a * a - 3, grad: new Float64Array(0) });
  assert.ok(Math.abs(interpolate(pt(0), pt(2)) - 1) < 1e-12);
  const x = interpolate(pt(0), { alpha: 1, value: NaN, slope: NaN, grad: new Float64Array(0) });
  assert.equal(x, 0.5);
});

test("armijo backtracks by the shrink factor to the first sufficient decrease, and treats NaN as rejection", () => {
  const calls: number[] = [];
  const f = (a: number): number => {
    calls.push(a);
    return a > 0.3 ? NaN : (a - 0.2) ** 2;
  };
  // f(0) = 0.04, slope −0.4
  const r = armijo(f, 0.04, -0.4, { c: 1e-2, shrink: 0.8 });
  assert.ok(r.accepted);
  assert.ok(r.alpha <= 0.3 && r.alpha > 0.3 * 0.8 - 1e-12);
  assert.deepEqual(calls.slice(0, 2), [1, 0.8]);
  assert.ok(r.value <= 0.04 + 1e-2 * r.alpha * -0.4);
  const never = armijo(() => 1, 0, -1, { maxSteps: 5 });
  assert.deepEqual(never, { alpha: 0, value: 0, evaluations: 5, accepted: false });
});
