/** @file critical-point classes of constructed functions, the Taylor check's order, Lanczos vs dense on a tiny net */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { grad, hessian, tensor, type Tensor } from "../autodiff/index.js";
import { ndarray } from "../kernels/ndarray.js";
import { Rng } from "../kernels/random.js";
import { eigh } from "../linalg/eigh.js";
import { fromDense, toDense } from "../linalg/linearOperator.js";
import { mlp } from "../nn/index.js";
import { classifyCriticalPoint, conditionNumber } from "./criticalPoint.js";
import { empiricalRisk } from "./empiricalRisk.js";
import { riskValue, riskValueAndGrad } from "./riskLoop.js";
import { ggnOperator, hessianOperator } from "./operators.js";
import { analyzeSpectrum } from "./spectrum.js";
import { taylorCheck } from "./taylor.js";

/** Classifies f at a point from its exact gradient and dense Hessian eigenvalues. */
function classifyAt(f: (x: Tensor) => Tensor, point: number[]): ReturnType<typeof classifyCriticalPoint> {
  const x = tensor(point);
  const g = grad(f)(x).toArray();
  const H = hessian(f)(x).data();
  const { values } = eigh(H, point.length);
  return classifyCriticalPoint({ lambdaMin: values[0]!, lambdaMax: values[values.length - 1]!, gradientNorm: Math.hypot(...g) });
}

const coord = (x: Tensor, i: number): Tensor => x.slice([i], [1]).sum();

describe("critical-point classification of constructed functions", () => {
  const cases: { name: string; f: (x: Tensor) => Tensor; kind: string }[] = [
    { name: "bowl x² + 2y²", f: (x) => coord(x, 0).square().add(coord(x, 1).square().mul(2)), kind: "minimum" },
    { name: "dome −x² − y²", f: (x) => coord(x, 0).square().add(coord(x, 1).square()).neg(), kind: "maximum" },
    { name: "saddle x² − y²", f: (x) => coord(x, 0).square().sub(coord(x, 1).square()), kind: "saddle" },
    { name: "monkey saddle x³ − 3xy²", f: (x) => coord(x, 0).pow(3).sub(coord(x, 0).mul(coord(x, 1).square()).mul(3)), kind: "degenerate" },
    { name: "valley x² (flat in y)", f: (x) => coord(x, 0).square().add(coord(x, 1).mul(0)), kind: "degenerate" },
  ];
  for (const c of cases) {
    test(`${c.name} at the origin is a ${c.kind}`, () => {
      const r = classifyAt(c.f, [0, 0]);
      assert.equal(r.kind, c.kind, r.explanation);
      assert.equal(r.critical, true);
    });
  }
  test("away from a critical point the gradient says so", () => {
    const r = classifyAt((x) => coord(x, 0).square().add(coord(x, 1).square()), [1, 0]);
    assert.equal(r.critical, false);
    assert.equal(r.kind, "minimum");
  });
  test("non-finite input is an error", () => {
    assert.throws(() => classifyCriticalPoint({ lambdaMin: NaN, lambdaMax: 1, gradientNorm: 0 }), /non-finite/);
  });
  test("condition numbers: finite only for a resolved positive λmin, and every null says why", () => {
    assert.equal(conditionNumber(2, 10).exact, 5);
    assert.match(conditionNumber(-1, 10).reason, /indefinite/);
    assert.equal(conditionNumber(-1, 10).exact, null);
    const singular = conditionNumber(1e-9, 10, 1e-8);
    assert.equal(singular.exact, null);
    assert.match(singular.reason, /singular.*∞/);
    assert.equal(conditionNumber(null, 10).exact, null);
    assert.match(conditionNumber(null, 10).reason, /not computed/);
  });
  test("without λmin the class is unknown unless λmax < 0 proves a maximum", () => {
    assert.equal(classifyCriticalPoint({ lambdaMin: null, lambdaMax: 3, gradientNorm: 0 }).kind, "unknown");
    assert.equal(classifyCriticalPoint({ lambdaMin: null, lambdaMax: -3, gradientNorm: 0 }).kind, "maximum");
    assert.equal(classifyCriticalPoint({ lambdaMin: 2, lambdaMax: null, gradientNorm: 0 }).kind, "minimum");
  });
});

function tinyProblem(seed: number): { risk: ReturnType<typeof empiricalRisk>; theta: Float64Array } {
  const rng = new Rng(seed);
  const net = mlp([3, 5, 2], { hidden: "tanh", output: "linear", loss: "sigmoid_cross_entropy" });
  const inputs = ndarray(Float64Array.from({ length: 8 * 3 }, () => rng.normal()), [8, 3]);
  const targets = ndarray(Float64Array.from({ length: 8 * 2 }, () => (rng.uniform() < 0.5 ? 0 : 1)), [8, 2]);
  const theta = Float64Array.from({ length: net.layout.size }, () => rng.normal());
  return { risk: empiricalRisk(net, { inputs, targets }, { batchSize: 3 }), theta };
}

describe("Taylor check", () => {
  test("the quadratic model's error grows with order ≈ 3 on a smooth loss (seed 2)", () => {
    const { risk, theta } = tinyProblem(2);
    const { grad: g } = riskValueAndGrad(risk, theta);
    const rng = new Rng(5);
    const d = Float64Array.from({ length: theta.length }, () => rng.normal());
    const r = taylorCheck((t) => riskValue(risk, t), theta, g, hessianOperator(risk, theta), d, [0.04, 0.02, 0.01, 0.005, 0.0025]);
    assert.ok(r.order !== null && Math.abs(r.order - 3) < 0.25, `fitted order ${r.order}`);
    // and the model is exact to first order: errors are far below |t·gᵀd|
    for (const p of r.points) assert.ok(p.error < 0.1 * Math.abs(p.t * r.slope) + 1e-12);
  });
  test("with the GGN instead of H the error is only second order", () => {
    const { risk, theta } = tinyProblem(2);
    const { grad: g } = riskValueAndGrad(risk, theta);
    const rng = new Rng(5);
    const d = Float64Array.from({ length: theta.length }, () => rng.normal());
    const r = taylorCheck((t) => riskValue(risk, t), theta, g, ggnOperator(risk, theta), d, [0.02, 0.01, 0.005, 0.0025]);
    assert.ok(r.order !== null && Math.abs(r.order - 2) < 0.25, `fitted order ${r.order}`);
  });
});

describe("analyzeSpectrum against the dense eigensolver", () => {
  test("top/bottom eigenvalues of a tiny net's Hessian to 1e-8 relative, with small residuals (seed 4)", () => {
    const { risk, theta } = tinyProblem(4);
    const op = hessianOperator(risk, theta);
    const p = theta.length;
    const { values } = eigh(toDense(op), p);
    const scale = Math.max(Math.abs(values[0]!), Math.abs(values[p - 1]!));
    const rep = analyzeSpectrum(op, { top: 4, bottom: 4, gradientNorm: 1, traceProbes: 200, densityProbes: 8, tol: 1e-10, method: "lanczos" });
    rep.top.forEach((e, i) => assert.ok(Math.abs(e.value - values[p - 1 - i]!) <= 1e-8 * scale, `top ${i}: ${e.value} vs ${values[p - 1 - i]}`));
    rep.bottom.forEach((e, i) => assert.ok(Math.abs(e.value - values[i]!) <= 1e-8 * scale, `bottom ${i}: ${e.value} vs ${values[i]}`));
    for (const e of [...rep.top, ...rep.bottom]) assert.ok(e.residual <= 1e-8 * scale, `residual ${e.residual}`);
    const trace = values.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(rep.trace!.estimate - trace) < 4 * rep.trace!.standardError + 1e-9, `trace ${rep.trace!.estimate} ± ${rep.trace!.standardError} vs ${trace}`);
    const negatives = values.filter((v) => v < 0).length / p;
    assert.ok(Math.abs(rep.density!.negativeFraction.estimate - negatives) < 0.25, `negative fraction ${rep.density!.negativeFraction.estimate} vs ${negatives}`);
    assert.equal(rep.classification.kind, values[0]! < 0 ? "saddle" : "minimum");
    assert.ok(rep.products > 0);
  });
  test("an explicit matrix: a known spectrum", () => {
    const n = 30;
    const d = new Float64Array(n * n);
    for (let i = 0; i < n; i++) d[i * n + i] = i - 5; // −5 … 24
    const rep = analyzeSpectrum(fromDense(d, n), { top: 2, bottom: 2, gradientNorm: 0, traceProbes: 0, method: "lanczos" });
    assert.deepEqual(rep.top.map((e) => Math.round(e.value * 1e9) / 1e9), [24, 23]);
    assert.deepEqual(rep.bottom.map((e) => Math.round(e.value * 1e9) / 1e9), [-5, -4]);
    assert.equal(rep.classification.kind, "saddle");
    assert.equal(rep.classification.critical, true);
  });
});
