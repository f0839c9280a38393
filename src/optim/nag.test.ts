import assert from "node:assert/strict";
import { test } from "node:test";
import { problemContext } from "./context.js";
import { nag, sutskeverMomentum } from "./nag.js";
// Reaching the quadratic's and Rosenbrock's minimizers is a row of the optimizer table (optimizers.test.ts).
import { QUADRATIC, maxAbsDiff } from "./testing.js";

test("sutskeverMomentum matches hand-computed μ_t = min(1 − 1/(2(⌊t/250⌋+1)), μmax)", () => {
  const cases: [t: number, mu: number][] = [
    [0, 1 / 2],
    [1, 1 / 2],
    [249, 1 / 2],
    [250, 3 / 4],
    [499, 3 / 4],
    [500, 5 / 6],
    [750, 7 / 8],
    [1000, 9 / 10],
    [12249, 97 / 98], // ⌊12249/250⌋ = 48: 1 − 1/98, still under the cap
    [12250, 0.99], // 1 − 1/100 reaches μmax = 0.99
    [1_000_000, 0.99],
  ];
  for (const [t, mu] of cases) assert.ok(Math.abs(sutskeverMomentum(t) - mu) < 1e-15, `t = ${t}: ${sutskeverMomentum(t)} vs ${mu}`);
  assert.equal(sutskeverMomentum(124_749, 0.999), 1 - 1 / 998);
  assert.equal(sutskeverMomentum(124_750, 0.999), 0.999);
  assert.equal(sutskeverMomentum(10, 0.9, 5), 1 - 1 / 6);
  assert.equal(sutskeverMomentum(5000, 0), 0);
  // The paper's formula as printed, with log₂, agrees to rounding everywhere.
  for (let t = 0; t < 40_000; t += 37) {
    const printed = Math.min(1 - 2 ** (-1 - Math.log2(Math.floor(t / 250) + 1)), 0.99);
    assert.ok(Math.abs(sutskeverMomentum(t) - printed) < 1e-15, `t = ${t}`);
  }
  assert.throws(() => sutskeverMomentum(-1), RangeError);
  assert.throws(() => sutskeverMomentum(0.5), RangeError);
});

test("nag's iterates are the textbook Nesterov step's look-ahead points φ_t = θ_t + μ_t v_t (schedule changing every 7 steps)", () => {
  const f = QUADRATIC.problem.objective;
  const lr = 0.05;
  const period = 7;
  const muAt = (t: number): number => Math.min(1 - 1 / (2 * (Math.floor(t / period) + 1)), 0.95);
  // Sutskever et al. (2013) eq. 3–4, written out: v ← μ_t v − ε∇f(θ + μ_t v), θ ← θ + v.
  let theta = Float64Array.from(QUADRATIC.start);
  let v = new Float64Array(2);
  const textbook: Float64Array[] = [];
  const velocities: Float64Array[] = [];
  for (let t = 0; t < 60; t++) {
    const mu = muAt(t);
    const g = f.valueAndGrad(theta.map((x, i) => x + mu * v[i]!)).grad;
    v = v.map((vi, i) => mu * vi - lr * g[i]!);
    theta = theta.map((x, i) => x + v[i]!);
    textbook.push(theta.map((x, i) => x + muAt(t + 1) * v[i]!));
    velocities.push(v);
  }
  // nag from φ_0 = θ_0 (v_0 = 0).
  const opt = nag({ learningRate: lr, muMax: 0.95, period });
  let phi = Float64Array.from(QUADRATIC.start);
  let state = opt.init(phi);
  for (let t = 0; t < 60; t++) {
    const [step, next] = opt.update(f.valueAndGrad(phi).grad, state, problemContext(QUADRATIC.problem, phi, t));
    phi = phi.map((x, i) => x + step[i]!);
    state = next;
    assert.ok(maxAbsDiff(phi, textbook[t]!) < 1e-14, `step ${t}: ${Array.from(phi).join(", ")} vs ${Array.from(textbook[t]!).join(", ")}`);
    assert.ok(maxAbsDiff(state.velocity, velocities[t]!) < 1e-14, `velocity ${t}`);
  }
  assert.equal(state.count, 60);
  assert.deepEqual(opt.info!(state), { mu: muAt(59) });
});

test("nag refuses a non-positive learning rate, μmax outside [0, 1) and a bad period", () => {
  assert.throws(() => nag({ learningRate: 0 }), /learning rate must be a positive number/);
  assert.throws(() => nag({ learningRate: 0.1, muMax: 1 }), /muMax must be in \[0, 1\)/);
  assert.throws(() => nag({ learningRate: 0.1, period: 0 }), /period must be a positive integer/);
});
