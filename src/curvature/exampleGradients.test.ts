/** @file per-example squared-gradient sums and means against per-example autodiff gradients */
import assert from "node:assert/strict";
import { test } from "node:test";
import { grad, tensor } from "../autodiff/index.js";
import { ndarray } from "../kernels/ndarray.js";
import { Rng } from "../kernels/random.js";
import { initialize, lossSum, mlp, forward } from "../nn/index.js";
import { empiricalRisk } from "./empiricalRisk.js";
import { meanSquaredExampleGradient } from "./exampleGradients.js";

test("meanSquaredExampleGradient (seed 22, batches 4+3, mean reduction, both engines) = mean of gᵢ⊙gᵢ from per-case autodiff", () => {
  const rng = new Rng(22);
  const net = mlp([4, 5, 2], { hidden: "sigmoid", output: "linear", loss: "softmax_cross_entropy" });
  const theta = initialize(net, { scheme: "glorot", seed: 22 });
  const N = 7;
  const x = Float64Array.from({ length: N * 4 }, () => rng.normal());
  const t = new Float64Array(N * 2);
  for (let i = 0; i < N; i++) t[i * 2 + rng.int(2)] = 1;
  const risk = empiricalRisk(net, { inputs: ndarray(x, [N, 4]), targets: ndarray(t, [N, 2]) }, { batchSize: 4 });
  // gᵢ = (N/c)·∇ℓᵢ, scaled so that the mean of gᵢ is ∇L (c = N for cross-entropy, so gᵢ = ∇ℓᵢ)
  const ref = new Float64Array(theta.length);
  for (let i = 0; i < N; i++) {
    const xi = tensor(x.slice(i * 4, i * 4 + 4), { shape: [1, 4] });
    const ti = tensor(t.slice(i * 2, i * 2 + 2), { shape: [1, 2] });
    const gi = grad((th) => lossSum(net.loss, forward(net, th, xi), ti).mul(N / risk.normalizer))(tensor(theta)).data();
    for (let j = 0; j < ref.length; j++) ref[j]! += (gi[j]! * gi[j]!) / N;
  }
  for (const engine of ["fused", "autodiff"] as const) {
    const got = meanSquaredExampleGradient({ ...risk, engine }, theta);
    for (let j = 0; j < ref.length; j++) assert.ok(Math.abs(got[j]! - ref[j]!) <= 1e-12 * (1e-6 + ref[j]!), `${engine} entry ${j}: ${got[j]} vs ${ref[j]}`);
  }
});
