/** @file the optimizer table (optax style): every optimizer on a quadratic and on Rosenbrock reaches the minimizer; state is plain data */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { problemContext } from "./context.js";
import { adam, adamw, momentum, nesterov, sgd } from "./firstOrder.js";
import { nag } from "./nag.js";
import { bfgs } from "./bfgs.js";
import { hessianFree } from "./hessianFree.js";
import { lbfgs } from "./lbfgs.js";
import { minimize } from "./minimize.js";
import { newton } from "./newton.js";
import { newtonCg } from "./newtonCg.js";
import { QUADRATIC, ROSENBROCK, maxAbsDiff } from "./testing.js";
import { cloneState, isPlainState, type Transform } from "./transform.js";

interface Row {
  readonly name: string;
  /** The transform for a problem (first-order learning rates differ between the two). */
  readonly make: (problem: "quadratic" | "rosenbrock") => Transform<unknown>;
  /** iterations and tolerance on ‖θ − θ*‖∞ for [quadratic, rosenbrock] */
  readonly quadratic: readonly [number, number];
  readonly rosenbrock: readonly [number, number];
}

const as = <S,>(t: Transform<S>): Transform<unknown> => t;

// First-order methods get long budgets on Rosenbrock's curved valley and looser tolerances: their
// linear rate there is (1 − μ/L)-like with L/μ ≈ 2500, which is the point of the comparison.
const TABLE: readonly Row[] = [
  { name: "sgd", make: (p) => as(sgd(p === "quadratic" ? 0.1 : 1e-3)), quadratic: [200, 1e-6], rosenbrock: [30000, 2e-2] },
  { name: "momentum", make: (p) => as(momentum(p === "quadratic" ? 0.02 : 1e-3, 0.9)), quadratic: [300, 1e-6], rosenbrock: [8000, 1e-3] },
  { name: "nesterov", make: (p) => as(nesterov(p === "quadratic" ? 0.02 : 1e-3, 0.9)), quadratic: [300, 1e-6], rosenbrock: [8000, 1e-3] },
  { name: "nag (Sutskever schedule)", make: (p) => as(nag({ learningRate: p === "quadratic" ? 0.05 : 1e-3, muMax: p === "quadratic" ? 0.99 : 0.9 })), quadratic: [600, 1e-8], rosenbrock: [8000, 1e-3] },
  { name: "adam", make: () => as(adam(0.02)), quadratic: [3000, 1e-4], rosenbrock: [8000, 1e-3] },
  { name: "adamw (wd 0)", make: () => as(adamw(0.02, { weightDecay: 0 })), quadratic: [3000, 1e-4], rosenbrock: [8000, 1e-3] },
  { name: "newton", make: () => as(newton()), quadratic: [2, 1e-12], rosenbrock: [60, 1e-10] },
  { name: "newtonCg", make: () => as(newtonCg()), quadratic: [5, 1e-10], rosenbrock: [100, 1e-8] },
  { name: "bfgs", make: () => as(bfgs()), quadratic: [20, 1e-8], rosenbrock: [100, 1e-6] },
  { name: "lbfgs", make: () => as(lbfgs({ memory: 5 })), quadratic: [20, 1e-8], rosenbrock: [100, 1e-6] },
  {
    name: "hessianFree",
    make: () => as(hessianFree({ curvature: "hessian", initialDamping: 1e-2 })),
    quadratic: [10, 1e-8],
    rosenbrock: [100, 1e-6],
  },
];

/** Keys of nested records and lengths of vectors: what must not change shape across updates. */
function skeleton(v: unknown): unknown {
  if (v instanceof Float64Array) return `f64[${v.length}]`;
  if (Array.isArray(v)) return "array";
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, skeleton(x)]));
  return typeof v;
}

describe("optimizer table", () => {
  for (const row of TABLE) {
    for (const [label, fixture, [iters, tol]] of [
      ["quadratic", QUADRATIC, row.quadratic],
      ["rosenbrock", ROSENBROCK, row.rosenbrock],
    ] as const) {
      test(`${row.name} reaches the ${label} minimizer within ${tol}`, () => {
        const r = minimize(row.make(label), fixture.problem, fixture.start, { maxIterations: iters, gradTol: 1e-13 });
        const err = maxAbsDiff(r.params, fixture.minimizer);
        assert.ok(err <= tol, `${row.name} on ${label}: ‖θ − θ*‖∞ = ${err} after ${r.iterations} iterations`);
      });
    }
    test(`${row.name}: state is plain data of the same structure after init and update, and unmodified by update`, () => {
      const t = row.make("rosenbrock");
      const theta = ROSENBROCK.start;
      const s0 = t.init(theta);
      assert.ok(isPlainState(s0));
      const before = cloneState(s0);
      const { grad, value } = ROSENBROCK.problem.objective.valueAndGrad(theta);
      const [step, s1] = t.update(grad, s0, { ...problemContext(ROSENBROCK.problem, theta, 0), value });
      assert.equal(step.length, theta.length);
      assert.ok(isPlainState(s1));
      assert.deepEqual(skeleton(s1), skeleton(s0));
      assert.deepEqual(s0, before, "update must not mutate the incoming state");
      assert.deepEqual(cloneState(s1), s1);
      assert.notEqual(skeleton(s1), null);
    });
  }
});

describe("first-order details", () => {
  test("adamw's first step is adam's minus lr·wd·θ (decoupled decay)", () => {
    const theta = Float64Array.of(0.3, -2);
    const { grad } = QUADRATIC.problem.objective.valueAndGrad(theta);
    const ctx = problemContext(QUADRATIC.problem, theta, 0);
    const [a] = adam(0.01).update(grad, adam(0.01).init(theta), ctx);
    const w = adamw(0.01, { weightDecay: 0.1 });
    const [b] = w.update(grad, w.init(theta), ctx);
    for (let i = 0; i < 2; i++) assert.ok(Math.abs(b[i]! - (a[i]! - 0.01 * 0.1 * theta[i]!)) < 1e-15);
  });

  test("nesterov differs from heavy-ball by β·v on the emitted direction", () => {
    const g = Float64Array.of(1, -2);
    const theta = Float64Array.of(0, 0);
    const ctx = problemContext(QUADRATIC.problem, theta, 0);
    const m = momentum(1, 0.5);
    const n = nesterov(1, 0.5);
    const [m1, ms] = m.update(g, m.init(theta), ctx);
    const [n1, ns] = n.update(g, n.init(theta), ctx);
    assert.deepEqual(Array.from(m1), [-1, 2]); // v = g
    assert.deepEqual(Array.from(n1), [-1.5, 3]); // g + β·v
    const [m2] = m.update(g, ms, ctx);
    const [n2] = n.update(g, ns, ctx);
    assert.deepEqual(Array.from(m2), [-1.5, 3]); // v = g + 0.5·g
    assert.deepEqual(Array.from(n2), [-1.75, 3.5]); // g + 0.5·(1.5 g)
  });
});
