/** @file the race's paths against closed forms: gradient descent on a quadratic is (I − ηH)ᵏx₀, Newton lands in one step, uphill at a saddle */
import assert from "node:assert/strict";
import { test } from "node:test";
import { quadraticHessian, type QuadraticParams } from "./functions.js";
import { runRace, type RacerName, type RaceResult } from "./raceModel.js";

const quadratic = (q: QuadraticParams, x: number, y: number, learningRate: number, iterations = 30): RaceResult =>
  runRace({ fn: "quadratic", quadratic: q, x, y }, { learningRate, newtonDamping: 0, iterations });
const racer = (r: RaceResult, name: RacerName) => r.racers.find((p) => p.name === name)!;

test("gradient descent on ½pᵀHp follows pₖ = (I − ηH)ᵏp₀ exactly, and 2/λmax is the reported stability limit", () => {
  const q = { lambda1: 3, lambda2: 0.5, angleDeg: 30 };
  const { a, b, c } = quadraticHessian(q);
  const r = quadratic(q, 2, 1, 0.3, 20);
  assert.ok(Math.abs(r.stableStep - 2 / 3) < 1e-12, `2/λmax ${r.stableStep}`);
  let p = [2, 1];
  for (const [x, y] of racer(r, "gd").path) {
    assert.ok(Math.abs(x - p[0]!) < 1e-12 && Math.abs(y - p[1]!) < 1e-12, `(${x}, ${y}) vs (${p.join(", ")})`);
    p = [p[0]! - 0.3 * (a * p[0]! + b * p[1]!), p[1]! - 0.3 * (b * p[0]! + c * p[1]!)];
  }
  assert.equal(racer(r, "gd").path.length, 21);
});

test("gradient descent converges below 2/λmax and diverges above it", () => {
  const q = { lambda1: 3, lambda2: 0.5, angleDeg: 30 };
  const below = racer(quadratic(q, 2, 1, 0.95 * (2 / 3), 400), "gd");
  const above = racer(quadratic(q, 2, 1, 1.05 * (2 / 3), 400), "gd");
  assert.ok(Math.hypot(...below.path.at(-1)!) < 1e-6, `below: ends at ${below.path.at(-1)!.join(", ")}`);
  assert.equal(above.stop, "diverged");
});

test("pure Newton reaches a quadratic's minimum in one step; at a saddle it steps uphill to the saddle, the LM-damped library Newton never does", () => {
  const bowl = racer(quadratic({ lambda1: 3, lambda2: 0.5, angleDeg: 30 }, 2, 1, 0.1), "newton");
  assert.ok(Math.hypot(...bowl.path[1]!) < 1e-14, `after one step ${bowl.path[1]!.join(", ")}`);
  assert.equal(bowl.stop, "converged");
  // f = ½(2x² − y²): from (0, 0.5), f = −0.125, the Newton step goes to the saddle (0, 0) where f = 0
  const saddle = { lambda1: 2, lambda2: -1, angleDeg: 0 };
  const r = quadratic(saddle, 0, 0.5, 0.1, 10);
  const pure = racer(r, "newton");
  assert.ok(Math.hypot(...pure.path[1]!) < 1e-14);
  assert.ok(pure.values[1]! > pure.values[0]!, `f ${pure.values[0]} → ${pure.values[1]}`);
  const lm = racer(r, "newton-lm");
  for (let i = 1; i < lm.values.length; i++) assert.ok(lm.values[i]! <= lm.values[i - 1]!, `LM step ${i} went uphill`);
  assert.ok(lm.values.at(-1)! < -0.125);
});

test("on Rosenbrock from (−1.2, 1), BFGS, L-BFGS and LM-damped Newton reach (1, 1) within 200 iterations", () => {
  const r = runRace({ fn: "rosenbrock", quadratic: { lambda1: 1, lambda2: 1, angleDeg: 0 }, x: -1.2, y: 1 }, { learningRate: 1e-3, newtonDamping: 0, iterations: 200 });
  for (const name of ["bfgs", "lbfgs", "newton-lm"] as const) {
    const end = racer(r, name).path.at(-1)!;
    assert.ok(Math.hypot(end[0] - 1, end[1] - 1) < 1e-5, `${name} ends at (${end.join(", ")}) after ${racer(r, name).path.length - 1}`);
  }
  // every racer's values are f along its own path
  for (const p of r.racers) assert.equal(p.values.length, p.path.length);
});
