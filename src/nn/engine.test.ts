/** @file both engines' layer backprop against autodiff (Σᵢ aᵢδᵢᵀ is the gradient), and the sampled output scores */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { grad, tensor } from "../autodiff/index.js";
import { Rng } from "../kernels/random.js";
import { AutodiffEngine } from "./autodiffEngine.js";
import type { NetworkEngine } from "./engine.js";
import { FusedNetwork } from "./fused.js";
import { initialize } from "./initializers.js";
import { lossSum } from "./losses.js";
import { biasName, forward, weightName } from "./network.js";
import { outputScores, sampledScores, sampleModelTargets } from "./outputScores.js";
import { mlp } from "./presets.js";

const rng = new Rng(21);
const net = mlp([4, 5, 3, 2], { hidden: "tanh", output: "linear", loss: "sigmoid_cross_entropy" });
const theta = initialize(net, { scheme: "glorot", seed: 21 });
const B = 6;
const xs = Float64Array.from({ length: B * 4 }, () => rng.normal());
const ts = Float64Array.from({ length: B * 2 }, () => rng.uniform());
const batch = { inputs: xs, targets: ts, rows: B };

for (const engine of [new FusedNetwork(net, "float64"), new AutodiffEngine(net, "float64")] as NetworkEngine[]) {
  describe(`${engine.constructor.name}.layerBackprop`, () => {
    test("(seed 21) Σᵢ aᵢδᵢᵀ and Σᵢ δᵢ equal the autodiff gradient of the summed loss, layer by layer", () => {
      const y = engine.outputs(theta, batch);
      const layers = engine.layerBackprop(theta, batch, outputScores(net.loss, y, ts, B, 2));
      const x = tensor(xs, { shape: [B, 4] });
      const t = tensor(ts, { shape: [B, 2] });
      const g = Float64Array.from(grad((th) => lossSum(net.loss, forward(net, th, x), t))(tensor(theta)).data());
      assert.equal(layers.length, net.layers.length);
      layers.forEach((lb, l) => {
        const W = net.layout.view(g, weightName(l));
        const b = net.layout.view(g, biasName(l));
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

    test("outputs and lossSum agree with the Tensor forward pass", () => {
      const want = forward(net, tensor(theta), tensor(xs, { shape: [B, 4] })).data();
      const y = engine.outputs(theta, batch);
      for (let i = 0; i < want.length; i++) assert.ok(Math.abs(y[i]! - want[i]!) < 1e-14);
      const S = lossSum(net.loss, tensor(y, { shape: [B, 2] }), tensor(ts, { shape: [B, 2] })).item();
      assert.ok(Math.abs(engine.lossSum(theta, batch) - S) < 1e-12 * Math.abs(S));
    });
  });
}

test("sampled scores: Bernoulli draws give s = σ(y) − t̃ with t̃ ∈ {0, 1}; E[s²] ≈ σ(1 − σ) over 4000 draws (seed 9)", () => {
  const y = Float64Array.of(0.3, -1.2);
  const r = new Rng(9);
  const sums = [0, 0];
  const n = 4000;
  for (let k = 0; k < n; k++) {
    const t = sampleModelTargets("sigmoid_cross_entropy", y, Float64Array.of(0, 0), 1, 2, r);
    assert.ok(t.every((v) => v === 0 || v === 1));
    const s = outputScores("sigmoid_cross_entropy", y, t, 1, 2);
    for (let c = 0; c < 2; c++) sums[c]! += s[c]! * s[c]!;
  }
  [0.3, -1.2].forEach((z, c) => {
    const p = 1 / (1 + Math.exp(-z));
    // standard error of the mean of s² is below 0.01 here; 0.03 is 3σ
    assert.ok(Math.abs(sums[c]! / n - p * (1 - p)) < 0.03);
  });
});

for (const dtype of ["float64", "float32"] as const) {
  const Arr = dtype === "float64" ? Float64Array : Float32Array;
  const inDtype = (a: Float64Array): Float64Array | Float32Array => (dtype === "float64" ? a : Float32Array.from(a));
  // 25 rows of 1000 span several of the Bernoulli sampler's chunks (8 rows each), the last one partial
  const [rows, width] = [25, 1000];
  const logits = inDtype(Float64Array.from({ length: rows * width }, (_, i) => 4 * Math.sin(0.37 * i)));
  const data = inDtype(Float64Array.from({ length: rows * width }, (_, i) => (i % 3) / 2));

  test(`sampledScores = outputScores at sampleModelTargets, draw for draw from the same seed, for every loss (${dtype})`, () => {
    for (const loss of ["mse", "sigmoid_cross_entropy", "softmax_cross_entropy"] as const) {
      const fused = sampledScores(loss, logits, data, rows, width, new Rng(12));
      const twoStep = outputScores(loss, logits, sampleModelTargets(loss, logits, data, rows, width, new Rng(12)), rows, width);
      assert.ok(fused instanceof Arr, loss);
      const tol = dtype === "float64" ? 1e-15 : 1e-6;
      for (let i = 0; i < fused.length; i++) assert.ok(Math.abs(fused[i]! - twoStep[i]!) <= tol, `${loss} element ${i}: ${fused[i]} vs ${twoStep[i]}`);
    }
  });

  test(`Bernoulli targets: frequency of 1 matches σ(y) over 25 000 logits, and 1 − σ(y) in the complement (${dtype})`, () => {
    const t = sampleModelTargets("sigmoid_cross_entropy", logits, data, rows, width, new Rng(13));
    let ones = 0;
    let expected = 0;
    let variance = 0;
    for (let i = 0; i < t.length; i++) {
      assert.ok(t[i] === 0 || t[i] === 1);
      const p = 1 / (1 + Math.exp(-logits[i]!));
      ones += t[i]!;
      expected += p;
      variance += p * (1 - p);
    }
    // a sum of independent Bernoullis: 5 standard deviations (≈ 5·√Σp(1−p) ≈ 250 here)
    assert.ok(Math.abs(ones - expected) < 5 * Math.sqrt(variance), `${ones} ones vs ${expected.toFixed(1)} expected`);
  });
}

test("sampled softmax targets: one-hot rows scaled by the row's target mass, class frequencies ≈ softmax (seed 10)", () => {
  const y = Float64Array.of(0.5, -0.5, 1.0);
  const p = [0.5, -0.5, 1.0].map((v) => Math.exp(v));
  const Z = p.reduce((a, b) => a + b);
  const r = new Rng(10);
  const counts = [0, 0, 0];
  const n = 6000;
  for (let k = 0; k < n; k++) {
    const t = sampleModelTargets("softmax_cross_entropy", y, Float64Array.of(0.4, 0.4, 0.2), 1, 3, r);
    const hot = [...t].findIndex((v) => v !== 0);
    assert.ok(Math.abs(t[hot]! - 1) < 1e-15 && t.filter((v) => v !== 0).length === 1);
    counts[hot]! += 1;
  }
  // binomial standard error ≤ √(0.25/6000) ≈ 0.0065; 0.025 is ~4σ
  counts.forEach((c, j) => assert.ok(Math.abs(c / n - p[j]! / Z) < 0.025, `class ${j}: ${c / n} vs ${p[j]! / Z}`));
});
