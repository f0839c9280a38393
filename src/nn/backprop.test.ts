/** @file the manual backward pass against autodiff: Σᵢ aᵢδᵢᵀ is the gradient, and the per-example squared-gradient sums are exact */
import assert from "node:assert/strict";
import { test } from "node:test";
import { grad, tensor } from "../autodiff/index.js";
import { Rng } from "../kernels/random.js";
import { backprop, sampledOutputGradient, squaredGradientSum } from "./backprop.js";
import { initialize } from "./initializers.js";
import { lossSum } from "./losses.js";
import { biasName, forward, weightName } from "./network.js";
import { mlp } from "./presets.js";

const rng = new Rng(21);
const net = mlp([4, 5, 3, 2], { hidden: "tanh", output: "linear", loss: "sigmoid_cross_entropy" });
const theta = initialize(net, { scheme: "glorot", seed: 21 });
const B = 6;
const x = tensor(Float64Array.from({ length: B * 4 }, () => rng.normal()), { shape: [B, 4] });
const t = tensor(Float64Array.from({ length: B * 2 }, () => rng.uniform()), { shape: [B, 2] });

function exampleGrad(i: number): Float64Array {
  const xi = x.slice([i, 0], [1, 4]);
  const ti = t.slice([i, 0], [1, 2]);
  return Float64Array.from(grad((th) => lossSum(net.loss, forward(net, th, xi), ti))(tensor(theta)).data());
}

test("backprop (seed 21): Σᵢ aᵢδᵢᵀ and Σᵢ δᵢ equal the autodiff gradient of the summed loss, layer by layer", () => {
  const layers = backprop(net, theta, x, { targets: t });
  const g = grad((th) => lossSum(net.loss, forward(net, th, x), t))(tensor(theta)).data();
  layers.forEach((lb, l) => {
    const W = net.layout.view(Float64Array.from(g), weightName(l));
    const b = net.layout.view(Float64Array.from(g), biasName(l));
    for (let j = 0; j < lb.fanIn; j++) {
      for (let k = 0; k < lb.fanOut; k++) {
        let s = 0;
        for (let i = 0; i < B; i++) s += lb.inputs[i * lb.fanIn + j]! * lb.deltas[i * lb.fanOut + k]!;
        assert.ok(Math.abs(s - W[j * lb.fanOut + k]!) < 1e-12, `layer ${l} W[${j},${k}]`);
      }
    }
    for (let k = 0; k < lb.fanOut; k++) {
      let s = 0;
      for (let i = 0; i < B; i++) s += lb.deltas[i * lb.fanOut + k]!;
      assert.ok(Math.abs(s - b[k]!) < 1e-12);
    }
  });
});

test("squaredGradientSum equals Σᵢ gᵢ⊙gᵢ from per-example autodiff gradients", () => {
  const sq = squaredGradientSum(net, backprop(net, theta, x, { targets: t }));
  const ref = new Float64Array(theta.length);
  for (let i = 0; i < B; i++) {
    const gi = exampleGrad(i);
    for (let j = 0; j < ref.length; j++) ref[j]! += gi[j]! * gi[j]!;
  }
  for (let j = 0; j < ref.length; j++) assert.ok(Math.abs(sq[j]! - ref[j]!) <= 1e-12 * (1 + ref[j]!), `entry ${j}`);
});

test("sampledOutputGradient: Bernoulli draws give s = σ(y) − t̃ with t̃ ∈ {0, 1}; E[s²] ≈ σ(1 − σ) over 4000 draws (seed 9)", () => {
  const y = tensor(Float64Array.of(0.3, -1.2), { shape: [1, 2] });
  const r = new Rng(9);
  const sums = [0, 0];
  const n = 4000;
  for (let k = 0; k < n; k++) {
    const s = sampledOutputGradient("sigmoid_cross_entropy", y, tensor(Float64Array.of(0, 0), { shape: [1, 2] }), r).data();
    for (let c = 0; c < 2; c++) sums[c]! += s[c]! * s[c]!;
  }
  [0.3, -1.2].forEach((z, c) => {
    const p = 1 / (1 + Math.exp(-z));
    // standard error of the mean of s² is below 0.01 here; 0.03 is 3σ
    assert.ok(Math.abs(sums[c]! / n - p * (1 - p)) < 0.03);
  });
});
