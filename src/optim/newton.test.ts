/** @file Newton's quadratic convergence on a strongly convex problem; damping keeps indefinite Hessians from stepping uphill; Steihaug CG */
import assert from "node:assert/strict";
import { test } from "node:test";
import { tensor } from "../autodiff/index.js";
import { Rng } from "../kernels/random.js";
import { fromDense } from "../linalg/linearOperator.js";
import { norm } from "../linalg/vector.js";
import { tensorProblem } from "./context.js";
import { minimize } from "./minimize.js";
import { bfgs } from "./bfgs.js";
import { newton } from "./newton.js";
import { DENSE_PARAMETER_LIMIT } from "./transform.js";
import { newtonCg, steihaugCg } from "./newtonCg.js";
import { ROSENBROCK, maxAbsDiff } from "./testing.js";

/** f(x) = Σᵢ softplus(aᵢᵀx − bᵢ) + ½μ‖x‖²: strongly convex (μ = 0.5), smooth Hessian; seed 11. */
function logistic(): ReturnType<typeof tensorProblem> {
  const rng = new Rng(11);
  const A = tensor(Float64Array.from({ length: 8 * 3 }, () => rng.normal()), { shape: [8, 3] });
  const b = tensor(Float64Array.from({ length: 8 }, () => rng.normal()), { shape: [8, 1] });
  return tensorProblem((x) => A.matmul(x.reshape([3, 1])).sub(b).softplus().sum().add(x.square().sum().mul(0.25)));
}

const errors = (path: readonly Float64Array[], star: Float64Array): number[] => path.map((x) => norm(x.map((v, i) => v - star[i]!)));

test("newton (λ = 0) converges quadratically on a strongly convex logistic objective: e_{k+1} ≤ C·e_k²", () => {
  const problem = logistic();
  const start = Float64Array.of(3, -2, 2.5);
  const star = minimize(newton(), problem, start, { maxIterations: 30, gradTol: 1e-14 }).params;
  const run = minimize(newton(), problem, start, { maxIterations: 10 });
  assert.ok(run.state.damping < 1e3, "λ must not blow up once converged");
  const e = errors(run.path, star);
  // measured: e = 4.7, 3.5, 2.0, 1.4, 0.53, 0.26, 1.6e-2, 8.8e-5, 2.3e-9, 0 — in the asymptotic regime
  // e_{k+1}/e_k² ≤ 0.35; C = 1 leaves about 3× room
  let checked = 0;
  for (let k = 0; k + 1 < e.length; k++) {
    if (e[k]! > 0.3 || e[k]! < 1e-7) continue; // the asymptotic regime, above rounding
    assert.ok(e[k + 1]! <= 1 * e[k]! ** 2, `k=${k}: e_k = ${e[k]}, e_k+1 = ${e[k + 1]}`);
    checked++;
  }
  assert.ok(checked >= 2, `only ${checked} steps in the quadratic regime: ${e.join(", ")}`);
});

test("newtonCg converges superlinearly on the same problem (forcing term min(½, √‖g‖))", () => {
  const problem = logistic();
  const start = Float64Array.of(3, -2, 2.5);
  const star = minimize(newton(), problem, start, { maxIterations: 30, gradTol: 1e-14 }).params;
  const run = minimize(newtonCg({ radius: 10 }), problem, start, { maxIterations: 12 });
  const e = errors(run.path, star);
  const last = e.findIndex((x) => x < 1e-9);
  assert.ok(last > 0, `did not converge: ${e.join(", ")}`);
  // superlinear: e_{k+1}/e_k → 0 over the final steps
  assert.ok(e[last]! / e[last - 1]! < 1e-2);
});

test("newton on Rosenbrock never increases f although its Hessian is indefinite on the way", () => {
  const run = minimize(newton(), ROSENBROCK.problem, Float64Array.of(-1.2, 1), { maxIterations: 60 });
  for (let k = 0; k + 1 < run.values.length; k++) assert.ok(run.values[k + 1]! <= run.values[k]!);
  // at (0, 1) the Hessian of Rosenbrock has eigenvalues of both signs: the first step must still descend
  const r = minimize(newton(), ROSENBROCK.problem, Float64Array.of(0, 1), { maxIterations: 1 });
  assert.ok(r.values[1]! < r.values[0]!);
  assert.ok(maxAbsDiff(run.params, ROSENBROCK.minimizer) < 1e-10);
});

test("steihaugCg: interior solution when it fits, boundary on negative curvature, boundary when too long", () => {
  const spd = fromDense(Float64Array.of(4, 1, 1, 3), 2);
  const g = Float64Array.of(1, 2);
  const inside = steihaugCg(spd, g, 100, 1e-12, 10);
  assert.equal(inside.stop, "converged");
  // B p = −g
  assert.ok(Math.abs(4 * inside.step[0]! + inside.step[1]! + 1) < 1e-10 && Math.abs(inside.step[0]! + 3 * inside.step[1]! + 2) < 1e-10);
  const small = steihaugCg(spd, g, 0.1, 1e-12, 10);
  assert.equal(small.stop, "boundary");
  assert.ok(Math.abs(norm(small.step) - 0.1) < 1e-12);
  const indefinite = fromDense(Float64Array.of(-1, 0, 0, 2), 2);
  const neg = steihaugCg(indefinite, Float64Array.of(1, 0), 2, 1e-12, 10);
  assert.equal(neg.stop, "negativeCurvature");
  assert.ok(Math.abs(norm(neg.step) - 2) < 1e-12);
  assert.ok(neg.step[0]! < 0, "goes downhill along the negative-curvature direction");
});

test("dense methods refuse networks too large for a p×p matrix, with a clear error", () => {
  const big = new Float64Array(DENSE_PARAMETER_LIMIT + 1);
  assert.throws(() => newton().init(big), /newton forms a dense 5001×5001 matrix.*use newton-cg, lbfgs or hf/);
  assert.throws(() => bfgs().init(big), /bfgs forms a dense/);
});
