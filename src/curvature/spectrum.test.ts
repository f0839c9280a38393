/** @file analyzeSpectrum's honesty: no class or condition number from the top end alone, singular matrices are singular, dense and Lanczos agree with eigh */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ndarray } from "../kernels/ndarray.js";
import { Rng } from "../kernels/random.js";
import { eigh } from "../linalg/eigh.js";
import { withSpectrum } from "../linalg/gallery.js";
import { fromDense, toDense } from "../linalg/linearOperator.js";
import { initialize, mlp } from "../nn/index.js";
import { empiricalRisk } from "./empiricalRisk.js";
import { ggnOperator, hessianOperator } from "./operators.js";
import { analyzeSpectrum } from "./spectrum.js";

/** The 37-parameter tanh MLP (4-5-2, squared error) on 6 cases: its GGN has rank ≤ 6·2 = 12. */
function model37(seed: number): { risk: ReturnType<typeof empiricalRisk>; theta: Float64Array } {
  const net = mlp([4, 5, 2], { hidden: "tanh", output: "linear", loss: "mse" });
  const theta = initialize(net, { scheme: "glorot", seed });
  const rng = new Rng(seed + 4);
  const n = 6;
  const inputs = ndarray(Float64Array.from({ length: n * 4 }, () => rng.normal()), [n, 4]);
  const targets = ndarray(Float64Array.from({ length: n * 2 }, () => rng.normal()), [n, 2]);
  return { risk: empiricalRisk(net, { inputs, targets }), theta };
}

/** Symmetrized dense eigenvalues of an operator (ascending): the reference. */
function denseValues(op: ReturnType<typeof hessianOperator>): Float64Array {
  const p = op.shape[0];
  const a = toDense(op);
  const s = a.map((x, k) => 0.5 * (x + a[(k % p) * p + Math.floor(k / p)]!));
  return eigh(s, p).values;
}

describe("analyzeSpectrum without the smallest eigenvalue", () => {
  test("Lanczos with bottom 0 on an indefinite matrix: class unknown, condition not computed (seed 3)", () => {
    // eigenvalues −1 … 8 (and 10): the top three alone look positive definite
    const values = [-1, 0.5, 1, 2, 3, 4, 5, 6, 7, 8, 10];
    const op = fromDense(withSpectrum(values, 3), values.length, { symmetric: true });
    const rep = analyzeSpectrum(op, { top: 3, bottom: 0, gradientNorm: 0, traceProbes: 0, method: "lanczos" });
    assert.equal(rep.classification.kind, "unknown", rep.classification.explanation);
    assert.match(rep.classification.explanation, /not computed/);
    assert.equal(rep.condition.exact, null);
    assert.match(rep.condition.reason, /not computed/);
    assert.equal(rep.lambdaMin, null);
  });
  test("the dense route finds λmin even with bottom 0, so a saddle is a saddle (seed 3)", () => {
    const { risk, theta } = model37(3);
    const op = hessianOperator(risk, theta);
    const truth = denseValues(op);
    assert.ok(truth[0]! < 0 && truth[truth.length - 1]! > 0, "the reference point should be a saddle");
    const rep = analyzeSpectrum(op, { top: 3, bottom: 0, gradientNorm: 0, traceProbes: 0 });
    assert.equal(rep.method, "dense");
    assert.equal(rep.classification.kind, "saddle", rep.classification.explanation);
    assert.ok(Math.abs(rep.lambdaMin! - truth[0]!) <= 1e-12 * Math.abs(truth[truth.length - 1]!));
    assert.equal(rep.condition.exact, null);
    assert.match(rep.condition.reason, /indefinite/);
  });
});

describe("analyzeSpectrum on singular matrices", () => {
  for (const method of ["dense", "lanczos"] as const) {
    test(`the GGN of an over-parameterized net is singular: zeros to tolerance, κ = ∞ (${method}, seed 3)`, () => {
      const { risk, theta } = model37(3);
      const op = ggnOperator(risk, theta);
      const truth = denseValues(op);
      const p = theta.length;
      const rank = 12;
      // the reference: p − rank eigenvalues at rounding level, the rest well away from it
      assert.ok(Math.abs(truth[p - rank - 1]!) < 1e-12 * truth[p - 1]! && truth[p - rank]! > 1e-6 * truth[p - 1]!);
      const rep = analyzeSpectrum(op, { top: 2, bottom: 3, gradientNorm: 0, traceProbes: 0, method });
      assert.equal(rep.method, method);
      for (const e of rep.bottom) assert.equal(e.zero, true, `λ = ${e.value} (residual ${e.residual}) should be zero to tolerance`);
      for (const e of rep.top) assert.equal(e.zero, false);
      assert.equal(rep.condition.exact, null);
      assert.match(rep.condition.reason, /singular/);
      assert.equal(rep.classification.kind, "degenerate", rep.classification.explanation);
      assert.ok(!("damped" in rep.condition), "the damped condition number (≈ 1/δ for every singular matrix) is gone");
    });
  }
  test("a resolved small eigenvalue is not zero: κ = λmax/λmin exactly (dense, seed 5)", () => {
    const values = [1e-7, 0.3, 1, 2, 5];
    const op = fromDense(withSpectrum(values, 5), values.length, { symmetric: true });
    const rep = analyzeSpectrum(op, { top: 1, bottom: 1, gradientNorm: 0, traceProbes: 0 });
    assert.equal(rep.bottom[0]!.zero, false);
    assert.ok(Math.abs(rep.condition.exact! / 5e7 - 1) < 1e-6, `κ = ${rep.condition.exact}`);
    assert.equal(rep.classification.kind, "minimum");
  });
  test("the dense route's trace is exact and Lanczos agrees with it on the top eigenvalues (seed 4)", () => {
    const { risk, theta } = model37(4);
    const op = hessianOperator(risk, theta);
    const truth = denseValues(op);
    const exactTrace = truth.reduce((a, b) => a + b, 0);
    const dense = analyzeSpectrum(op, { top: 3, bottom: 3, gradientNorm: 0, traceProbes: 10 });
    assert.ok(Math.abs(dense.trace!.estimate - exactTrace) <= 1e-12 * Math.abs(truth[truth.length - 1]!) * truth.length);
    assert.equal(dense.trace!.standardError, 0);
    const krylov = analyzeSpectrum(op, { top: 3, bottom: 3, gradientNorm: 0, traceProbes: 0, method: "lanczos", tol: 1e-10 });
    dense.top.forEach((e, i) => assert.ok(Math.abs(e.value - krylov.top[i]!.value) <= 1e-8, `top ${i}`));
    dense.bottom.forEach((e, i) => assert.ok(Math.abs(e.value - truth[i]!) <= 1e-12, `bottom ${i}`));
  });
});
