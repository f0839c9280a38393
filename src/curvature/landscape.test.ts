/** @file loss-landscape slices: the center is L(θ), eigen slices agree with the quadratic model to second order, filter normalization */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ndarray } from "../kernels/ndarray.js";
import { Rng } from "../kernels/random.js";
import { mlp, weightName } from "../nn/index.js";
import { empiricalRisk } from "./empiricalRisk.js";
import { riskValue, riskValueAndGrad } from "./riskLoop.js";
import { filterNormalize, landscapeSlice, lossLandscape, randomDirections } from "./landscape.js";
import { hessianOperator } from "./operators.js";

function tinyProblem(seed: number): { risk: ReturnType<typeof empiricalRisk>; theta: Float64Array } {
  const rng = new Rng(seed);
  const net = mlp([3, 4, 2], { hidden: "tanh", output: "linear", loss: "sigmoid_cross_entropy" });
  const inputs = ndarray(Float64Array.from({ length: 9 * 3 }, () => rng.normal()), [9, 3]);
  const targets = ndarray(Float64Array.from({ length: 9 * 2 }, () => (rng.uniform() < 0.5 ? 0 : 1)), [9, 2]);
  const theta = Float64Array.from({ length: net.layout.size }, () => rng.normal());
  return { risk: empiricalRisk(net, { inputs, targets }, { batchSize: 4 }), theta };
}

describe("lossLandscape", () => {
  for (const dims of [1, 2] as const) {
    for (const directions of ["eigen", "random"] as const) {
      test(`${dims}-D ${directions} slice: the center grid point is L(θ) exactly and the grid is symmetric (seed 1)`, () => {
        const { risk, theta } = tinyProblem(1);
        const r = lossLandscape(risk, theta, { directions, dims, range: 0.5, points: 5, seed: 3 });
        const l0 = riskValue(risk, theta);
        assert.equal(r.center, l0);
        const mid = dims === 1 ? 2 : 2 * 5 + 2;
        assert.equal(r.alphas[2], 0);
        assert.equal(r.loss[mid], l0);
        assert.equal(r.quadratic[mid], l0);
        assert.equal(r.loss.length, dims === 1 ? 5 : 25);
        assert.equal(r.betas.length, dims === 1 ? 0 : 5);
        r.alphas.forEach((a, i) => assert.ok(a === -r.alphas[4 - i]!, `α[${i}]`));
        assert.equal(r.evaluations, r.loss.length + 1);
        assert.equal(r.vectors.length, dims);
        assert.equal(r.eigen === null, directions === "random");
      });
    }
  }

  test("along the top Hessian eigenvectors the slice matches q to second order: error shrinks like range³ (seed 2)", () => {
    const { risk, theta } = tinyProblem(2);
    const maxErr = (range: number): number => {
      const r = lossLandscape(risk, theta, { directions: "eigen", dims: 2, range, points: 5, seed: 0 });
      let e = 0;
      r.loss.forEach((l, i) => (e = Math.max(e, Math.abs(l - r.quadratic[i]!))));
      return e;
    };
    const e1 = maxErr(1e-2);
    const e2 = maxErr(5e-3);
    // third-order remainder: halving the range divides the error by ≈ 8 (6–10 allows the quartic term)
    assert.ok(e1 < 1e-4, `error ${e1}`);
    assert.ok(e1 / e2 > 6 && e1 / e2 < 10, `ratio ${e1 / e2}`);
  });

  test("eigen directions are unit vectors with dᵀHd = λ, and q's curvature is that eigenvalue (seed 4)", () => {
    const { risk, theta } = tinyProblem(4);
    const r = lossLandscape(risk, theta, { directions: "eigen", dims: 2, range: 0.1, points: 3 });
    const lambda = r.eigen!.values;
    assert.ok(lambda[0]! >= lambda[1]!);
    for (let i = 0; i < 2; i++) {
      assert.ok(Math.abs(r.directionNorms[i]! - 1) < 1e-12);
      assert.ok(Math.abs(r.curvatures[i]![i]! - lambda[i]!) <= 1e-8 * Math.abs(lambda[0]!));
    }
    assert.ok(Math.abs(r.curvatures[0]![1]!) <= 1e-7 * Math.abs(lambda[0]!), "eigenvectors are H-orthogonal");
    assert.ok(Math.abs(r.curvatures[0]![1]! - r.curvatures[1]![0]!) <= 1e-12 * Math.abs(lambda[0]!));
  });

  test("the quadratic overlay is exact for a quadratic loss (q = L everywhere)", () => {
    const a = [3, -1, 0.5];
    const loss = (x: Float64Array): number => 0.5 * a.reduce((s, ai, i) => s + ai * x[i]! ** 2, 0) + x[0]!;
    const theta = Float64Array.from([0.2, -0.4, 1]);
    const g = Float64Array.from(a.map((ai, i) => ai * theta[i]! + (i === 0 ? 1 : 0)));
    const hess = { shape: [3, 3] as const, symmetric: true, matvec: (v: Float64Array) => Float64Array.from(v, (x, i) => a[i]! * x) };
    const d = [Float64Array.from([1, 2, -1]), Float64Array.from([0.3, 0, 2])];
    const r = landscapeSlice(loss, theta, g, hess, d, { range: 3, points: 7 });
    r.loss.forEach((l, i) => assert.ok(Math.abs(l - r.quadratic[i]!) < 1e-12 * (1 + Math.abs(l)), `point ${i}`));
    assert.equal(r.products, 2);
  });

  test("seeded random directions repeat; different seeds differ", () => {
    const { risk, theta } = tinyProblem(1);
    const a = randomDirections(risk.network, theta, 2, 9);
    const b = randomDirections(risk.network, theta, 2, 9);
    const c = randomDirections(risk.network, theta, 2, 10);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a[0], c[0]);
    assert.notDeepEqual(a[0], a[1]);
  });

  test("bad arguments are errors", () => {
    const { risk, theta } = tinyProblem(1);
    const { grad } = riskValueAndGrad(risk, theta);
    const h = hessianOperator(risk, theta);
    const f = (x: Float64Array): number => riskValue(risk, x);
    assert.throws(() => landscapeSlice(f, theta, grad, h, [], { range: 1, points: 3 }), /1 or 2 directions/);
    assert.throws(() => landscapeSlice(f, theta, grad, h, [new Float64Array(theta.length)], { range: 1, points: 3 }), /non-zero/);
    assert.throws(() => landscapeSlice(f, theta, grad, h, [theta], { range: 0, points: 3 }), /range/);
    assert.throws(() => landscapeSlice(f, theta, grad, h, [theta], { range: 1, points: 1 }), /points/);
  });
});

describe("filterNormalize", () => {
  test("each output unit's incoming weights get the norm of the same unit in θ; biases are zeroed (seed 6)", () => {
    const { risk, theta } = tinyProblem(6);
    const net = risk.network;
    const rng = new Rng(6);
    const raw = Float64Array.from({ length: theta.length }, () => 10 * rng.normal());
    const d = filterNormalize(net, theta, raw);
    net.layers.forEach((layer, l) => {
      const w = net.layout.entry(weightName(l));
      // θ stores W as [in, out]: unit j's incoming weights are column j (PyTorch's row j)
      for (let j = 0; j < layer.outputs; j++) {
        let nt = 0;
        let nd = 0;
        let cos = 0;
        for (let i = 0; i < layer.inputs; i++) {
          const at = w.offset + i * layer.outputs + j;
          nt += theta[at]! ** 2;
          nd += d[at]! ** 2;
          cos += d[at]! * raw[at]!;
        }
        assert.ok(Math.abs(Math.sqrt(nd) - Math.sqrt(nt)) <= 1e-12 * Math.sqrt(nt), `layer ${l} unit ${j}`);
        assert.ok(cos > 0, "rescaled, not rotated");
      }
      const b = net.layout.entry(`layers.${l}.bias`);
      for (let i = 0; i < b.size; i++) assert.equal(d[b.offset + i], 0);
    });
  });
  test("a unit with zero weights in θ gets a zero direction", () => {
    const { risk, theta } = tinyProblem(6);
    const w = risk.network.layout.entry(weightName(0));
    const cols = risk.network.layers[0]!.outputs;
    const t = Float64Array.from(theta);
    for (let i = 0; i < 3; i++) t[w.offset + i * cols + 1] = 0;
    const d = filterNormalize(risk.network, t, Float64Array.from(theta, () => 1));
    for (let i = 0; i < 3; i++) assert.equal(d[w.offset + i * cols + 1], 0);
  });
});
