/** @file the fused engine = the generic autodiff engine through one risk: value, gradient, Hv, Gv, Fisher, outputs (batches, reductions, decay) */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { relativeError } from "../autodiff/testing.js";
import { setGemmBackend } from "../kernels/backends/backend.js";
import { portableBackend } from "../kernels/backends/portable.js";
import { ndarray } from "../kernels/ndarray.js";
import { Rng } from "../kernels/random.js";
import { autoencoder, LOSSES, mlp, type LossName } from "../nn/index.js";
import { empiricalRisk, type EmpiricalRisk } from "./empiricalRisk.js";
import { accuracy, squaredErrorPerCase } from "./metrics.js";
import { fisherOperator, ggnOperator, hessianOperator } from "./operators.js";
import { riskOutputs, riskValue, riskValueAndGrad } from "./riskLoop.js";

/** The same risk on the generic autodiff engine: the independent reference. */
const generic = (risk: EmpiricalRisk): EmpiricalRisk => ({ ...risk, engine: "autodiff" });


function data(loss: LossName, rng: Rng, rows: number, din: number, dout: number): { inputs: ReturnType<typeof ndarray>; targets: ReturnType<typeof ndarray> } {
  const inputs = ndarray(Float64Array.from({ length: rows * din }, () => rng.normal()), [rows, din]);
  const t = Float64Array.from({ length: rows * dout }, () => (loss === "mse" ? rng.normal() : rng.uniform()));
  if (loss === "softmax_cross_entropy") {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let c = 0; c < dout; c++) s += t[r * dout + c]!;
      for (let c = 0; c < dout; c++) t[r * dout + c]! /= s;
    }
  }
  return { inputs, targets: ndarray(t, [rows, dout]) };
}

describe("fused engine = autodiff engine", () => {
  for (const loss of LOSSES) {
    for (const reduction of ["mean", "sum"] as const) {
      test(`${loss}, ${reduction}, weight decay, batches of 3+3+1 [seed 31]`, () => {
        const rng = new Rng(31);
        const net = mlp([4, 5, 3], { hidden: "tanh", output: loss === "mse" ? "softplus" : "linear", loss, weightDecay: 0.03 });
        const risk = empiricalRisk(net, data(loss, rng, 7, 4, 3), { batchSize: 3, reduction });
        const theta = Float64Array.from({ length: net.layout.size }, () => 0.6 * rng.normal());
        const v = Float64Array.from({ length: net.layout.size }, () => rng.normal());
        const ref = generic(risk);
        assert.equal(risk.engine, "fused");
        const want = riskValueAndGrad(ref, theta);
        const got = riskValueAndGrad(risk, theta);
        assert.ok(Math.abs(got.value - want.value) <= 1e-12 * Math.abs(want.value));
        assert.ok(Math.abs(riskValue(risk, theta) - want.value) <= 1e-12 * Math.abs(want.value));
        assert.ok(Math.abs(riskValue(ref, theta) - want.value) <= 1e-12 * Math.abs(want.value));
        assert.ok(relativeError(got.grad, want.grad) <= 1e-12, `grad ${relativeError(got.grad, want.grad)}`);
        const hv = relativeError(hessianOperator(risk, theta).matvec(v), hessianOperator(ref, theta).matvec(v));
        const gv = relativeError(ggnOperator(risk, theta).matvec(v), ggnOperator(ref, theta).matvec(v));
        assert.ok(hv <= 1e-12 && gv <= 1e-12, `Hv ${hv}, Gv ${gv}`);
        for (const options of [{ type: "mc", seed: 5, samples: 2 }, { type: "empirical" }] as const) {
          const fv = relativeError(fisherOperator(risk, theta, options).matvec(v), fisherOperator(ref, theta, options).matvec(v));
          assert.ok(fv <= 1e-12, `Fv (${options.type}) ${fv}`);
        }
        assert.ok(Math.abs(squaredErrorPerCase(risk, theta) - squaredErrorPerCase(ref, theta)) <= 1e-12 * squaredErrorPerCase(ref, theta));
        assert.equal(accuracy(risk, theta), accuracy(ref, theta));
      });
    }
  }

  test("repeated products reuse the forward pass only while it is valid [seed 33]", () => {
    const rng = new Rng(33);
    const net = mlp([4, 6, 3], { hidden: "sigmoid", output: "linear", loss: "softmax_cross_entropy" });
    const risk = empiricalRisk(net, data("softmax_cross_entropy", rng, 9, 4, 3)); // one batch: reuse applies
    const theta = Float64Array.from({ length: net.layout.size }, () => 0.6 * rng.normal());
    const other = Float64Array.from({ length: net.layout.size }, () => 0.6 * rng.normal());
    const vs = [0, 1, 2].map(() => Float64Array.from({ length: net.layout.size }, () => rng.normal()));
    const fh = hessianOperator(risk, theta);
    const fg = ggnOperator(risk, theta);
    const [h, g] = [hessianOperator(generic(risk), Float64Array.from(theta)), ggnOperator(generic(risk), Float64Array.from(theta))];
    // count products: a reused forward pass saves one GEMM per layer
    let calls = 0;
    const previous = setGemmBackend({ ...portableBackend, gemm: (c) => { calls++; portableBackend.gemm(c); } });
    const counted = (f: () => Float64Array): [Float64Array, number] => {
      const before = calls;
      const out = f();
      return [out, calls - before];
    };
    try {
      for (const v of vs) {
        // interleaved: a gradient at another θ and the other operator run between products
        riskValueAndGrad(risk, other);
        const [h1, fresh] = counted(() => fh.matvec(v));
        const [h2, reused] = counted(() => fh.matvec(v));
        assert.equal(fresh - reused, net.layers.length);
        assert.ok(relativeError(h1, h.matvec(v)) <= 1e-12 && relativeError(h2, h1) === 0);
        assert.ok(relativeError(fg.matvec(v), g.matvec(v)) <= 1e-12);
        const [g2, gReused] = counted(() => fg.matvec(v));
        assert.equal(gReused, 4 * net.layers.length - 2); // R-forward and backward: 2 per layer, 1 at layer 0
        assert.ok(relativeError(g2, g.matvec(v)) <= 1e-12);
      }
    } finally {
      setGemmBackend(previous);
    }
    // every operator, on either engine, is the matrix at θ when built: changing the caller's θ
    // afterwards changes nothing (the one θ-aliasing rule)
    const ops = [fh, fg, h, g, fisherOperator(risk, theta, { type: "mc" }), fisherOperator(generic(risk), theta, { type: "mc" })];
    const before = ops.map((op) => op.matvec(vs[0]!));
    theta.fill(0);
    ops.forEach((op, i) => assert.deepEqual(Array.from(op.matvec(vs[0]!)), Array.from(before[i]!)));
  });

  test("float32 risk on a small autoencoder: products within float32 rounding of the float64 ones [seed 32]", () => {
    const rng = new Rng(32);
    const net = autoencoder([12, 6, 3]);
    const x = ndarray(Float64Array.from({ length: 20 * 12 }, () => rng.uniform()), [20, 12]);
    const theta = Float64Array.from({ length: net.layout.size }, () => 0.5 * rng.normal());
    const v = Float64Array.from({ length: net.layout.size }, () => rng.normal());
    const r64 = empiricalRisk(net, { inputs: x, targets: x }, { batchSize: 8 });
    const r32 = empiricalRisk(net, { inputs: x, targets: x }, { batchSize: 8, dtype: "float32" });
    assert.ok(relativeError(riskValueAndGrad(r32, theta).grad, riskValueAndGrad(r64, theta).grad) <= 1e-5);
    assert.ok(Math.abs(riskValue(r32, theta) / riskValue(r64, theta) - 1) <= 1e-5);
    assert.ok(relativeError(hessianOperator(r32, theta).matvec(v), hessianOperator(r64, theta).matvec(v)) <= 1e-5);
    assert.ok(relativeError(ggnOperator(r32, theta).matvec(v), ggnOperator(r64, theta).matvec(v)) <= 1e-5);
    const fisher = { type: "empirical" } as const;
    assert.ok(relativeError(fisherOperator(r32, theta, fisher).matvec(v), fisherOperator(r64, theta, fisher).matvec(v)) <= 1e-5);
  });

  test("float32 value of a near-perfect fit: riskValue = the gradient pass's value ≈ the float64 loss [seed 34]", () => {
    // targets = outputs + 1e-4 noise, so each squared error is ~1e-8: the engine sums per-element
    // terms in float64, so the float32 risk keeps the loss to float32's rounding of the outputs
    const rng = new Rng(34);
    const net = mlp([3, 2], { hidden: "tanh", output: "linear", loss: "mse" });
    const theta = Float64Array.from({ length: net.layout.size }, () => rng.normal());
    const x = ndarray(Float64Array.from({ length: 2048 * 3 }, () => rng.normal()), [2048, 3]);
    const fit = empiricalRisk(net, { inputs: x, targets: ndarray(new Float64Array(2048 * 2), [2048, 2]) }, { batchSize: 2048 });
    const y = riskOutputs(fit, theta)[0]!;
    const t = ndarray(Float64Array.from(y, (v) => v + 1e-4 * rng.normal()), [2048, 2]);
    const r64 = empiricalRisk(net, { inputs: x, targets: t });
    const r32 = empiricalRisk(net, { inputs: x, targets: t }, { dtype: "float32" });
    const want = riskValue(r64, theta);
    assert.ok(want > 5e-9 && want < 2e-8, `loss ${want}`);
    assert.ok(Math.abs(riskValue(r32, theta) / want - 1) < 0.05, `float32 ${riskValue(r32, theta)} vs ${want}`);
    assert.equal(riskValue(r32, theta), riskValueAndGrad(r32, theta).value);
  });
});
