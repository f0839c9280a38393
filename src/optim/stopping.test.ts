/** @file convergence stops: gradient and relative-decrease tolerances on whole-set runs, and each optimizer's own "cannot make progress" rule */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { empiricalRisk } from "../curvature/empiricalRisk.js";
import { riskValueAndGrad } from "../curvature/riskLoop.js";
import { ndarray } from "../kernels/ndarray.js";
import { Rng } from "../kernels/random.js";
import { norm } from "../linalg/vector.js";
import { initialize, mlp } from "../nn/index.js";
import { problemContext } from "./context.js";
import { sgd } from "./firstOrder.js";
import { hessianFree } from "./hessianFree.js";
import { lbfgs } from "./lbfgs.js";
import { newtonCg } from "./newtonCg.js";
import { QUADRATIC, shuffleSampler } from "./testing.js";
import { train, type TrainProblem } from "./train.js";
import type { StepContext, Transform } from "./transform.js";

/** Linear regression 3 → 2 with MSE on 40 seeded cases: convex, so the minimizer is reached quickly. */
function regression(): { problem: TrainProblem; theta0: Float64Array } {
  const net = mlp([3, 2], { hidden: "tanh", output: "linear", loss: "mse" });
  const rng = new Rng(21);
  const n = 40;
  const x = Float64Array.from({ length: n * 3 }, () => rng.normal());
  const y = Float64Array.from({ length: n * 2 }, () => rng.normal());
  const subset = (idx: ArrayLike<number>): ReturnType<typeof empiricalRisk> => {
    const xs = new Float64Array(idx.length * 3);
    const ys = new Float64Array(idx.length * 2);
    for (let i = 0; i < idx.length; i++) {
      xs.set(x.subarray(idx[i]! * 3, idx[i]! * 3 + 3), i * 3);
      ys.set(y.subarray(idx[i]! * 2, idx[i]! * 2 + 2), i * 2);
    }
    return empiricalRisk(net, { inputs: ndarray(xs, [idx.length, 3]), targets: ndarray(ys, [idx.length, 2]) });
  };
  const all = Array.from({ length: n }, (_, i) => i);
  return { problem: { cases: n, risk: subset, trainRisk: subset(all) }, theta0: initialize(net, { scheme: "glorot", seed: 22 }) };
}

describe("tolerances on whole-set runs", () => {
  test("L-BFGS stops at the gradient tolerance, and the final gradient (computed here) is below it", () => {
    const { problem, theta0 } = regression();
    const r = train({ transform: lbfgs(), problem, sampler: shuffleSampler(40, 40, 1), params: theta0, seed: 1, maxIterations: 500, gradientTolerance: 1e-9, relativeTolerance: 0 });
    assert.equal(r.stop, "gradientTolerance", r.detail);
    assert.ok(r.state.iteration < 500);
    const g = norm(riskValueAndGrad(problem.trainRisk, r.state.params).grad);
    assert.ok(g <= 1e-9, `‖∇L‖ = ${g}`);
    assert.match(r.detail, /‖∇L‖/);
  });

  test("minibatch runs ignore the tolerances (a minibatch gradient or loss says nothing about convergence)", () => {
    const { problem, theta0 } = regression();
    const r = train({ transform: sgd(0.05), problem, sampler: shuffleSampler(40, 20, 1), params: theta0, seed: 1, maxIterations: 12, gradientTolerance: 1e3, relativeTolerance: 1 });
    assert.equal(r.stop, "maxIterations");
    assert.equal(r.state.iteration, 12);
  });

  test("the relative-decrease tolerance stops at the first step whose |ΔL| ≤ ftol·max(|L|, |L′|, 1)", () => {
    const { problem, theta0 } = regression();
    const ftol = 1e-4;
    const r = train({ transform: sgd(0.05), problem, sampler: shuffleSampler(40, 40, 1), params: theta0, seed: 1, maxIterations: 5000, gradientTolerance: 0, relativeTolerance: ftol });
    assert.equal(r.stop, "relativeTolerance", r.detail);
    // losses at θ₀ … θ_k: the records' losses, then the final whole-set loss
    const losses = [...r.state.history.map((h) => h.loss), r.trainLoss];
    const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1);
    const k = losses.length - 1;
    assert.ok(rel(losses[k - 1]!, losses[k]!) <= ftol, "the last step is below the tolerance");
    for (let i = 1; i < k; i++) assert.ok(rel(losses[i - 1]!, losses[i]!) > ftol, `step ${i} was already below it`);
  });
});

test("an optimizer that says it is stalled ends the run, with its reason", () => {
  const { problem, theta0 } = regression();
  type S = { readonly calls: number };
  const stuck: Transform<S> = {
    init: () => ({ calls: 0 }),
    update: (g, s) => [new Float64Array(g.length), { calls: s.calls + 1 }],
    stalled: (s) => (s.calls >= 3 ? "tried three times" : null),
  };
  const r = train({ transform: stuck, problem, sampler: shuffleSampler(40, 10, 1), params: theta0, seed: 1, maxIterations: 50 });
  assert.equal(r.stop, "stalled");
  assert.equal(r.state.iteration, 3);
  assert.match(r.detail, /tried three times/);
});

/** QUADRATIC's context with an objective that rises along every step (so every trial is rejected). */
function risingContext(params: Float64Array, iteration: number): StepContext {
  const base = problemContext(QUADRATIC.problem, params, iteration);
  const rising = {
    value: (theta: Float64Array): number => 1 + norm(theta.map((t, i) => t - params[i]!)),
    valueAndGrad: (theta: Float64Array) => ({ value: 1 + norm(theta.map((t, i) => t - params[i]!)), grad: QUADRATIC.problem.objective.valueAndGrad(theta).grad }),
  };
  return { ...base, objective: rising, gradientObjective: rising, curvatureObjective: rising };
}

describe("each optimizer's own stall rule", () => {
  const cases: { name: string; make: () => Transform<unknown>; stallsAfter: number }[] = [
    // the first failure clears the memory; the second, along −∇L, means no step can be found
    { name: "lbfgs", make: () => lbfgs(), stallsAfter: 2 },
    { name: "newtonCg", make: () => newtonCg(), stallsAfter: 20 },
    { name: "hessianFree", make: () => hessianFree({ maxCgIterations: 5 }), stallsAfter: 20 },
  ];
  for (const c of cases) {
    test(`${c.name}: no progress ${c.stallsAfter} times in a row is a stall, fewer is not`, () => {
      const t = c.make();
      const theta = QUADRATIC.start;
      let state = t.init(theta);
      for (let k = 1; k <= c.stallsAfter; k++) {
        const { grad } = QUADRATIC.problem.objective.valueAndGrad(theta);
        const [step, next] = t.update(grad, state, risingContext(theta, k - 1));
        assert.ok(step.every((x) => x === 0), `iteration ${k} took a step`);
        state = next;
        const reason = t.stalled?.(state) ?? null;
        if (k < c.stallsAfter) assert.equal(reason, null, `stalled already after ${k}`);
        else assert.ok(reason !== null && reason.length > 0, "not stalled");
      }
    });
  }
});
