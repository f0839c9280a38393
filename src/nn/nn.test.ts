/** @file networks: layout views, presets, initializers, the forward pass against a hand loop */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { tensor } from "../autodiff/index.js";
import { Rng } from "../kernels/random.js";
import { ACTIVATIONS, activate, AUTOENCODER_PRESETS, autoencoderPreset, biasName, forward, initialize, mlp, network, ParamLayout, weightName } from "./index.js";

describe("ParamLayout", () => {
  test("views are zero-copy and tile θ exactly (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 3 }), { minLength: 1, maxLength: 5 }), (shapes) => {
        const layout = new ParamLayout(shapes.map((shape, i) => ({ name: `p${i}`, shape })));
        const theta = Float64Array.from({ length: layout.size }, (_, i) => i);
        let seen = 0;
        for (const e of layout.entries) {
          const view = layout.view(theta, e.name);
          assert.equal(view.length, e.size);
          assert.equal(view.buffer, theta.buffer, "a view, not a copy");
          assert.equal(view[0] ?? e.offset, e.offset);
          seen += e.size;
        }
        assert.equal(seen, theta.length);
        // the Tensor view reads the same elements
        const last = layout.entries[layout.entries.length - 1]!;
        assert.deepEqual(layout.tensor(tensor(theta), last.name).toArray(), Array.from(layout.view(theta, last.name)));
      }),
      { numRuns: 100 },
    );
  });
  test("wrong lengths and unknown names are clear errors", () => {
    const layout = new ParamLayout([{ name: "w", shape: [2, 3] }]);
    assert.throws(() => layout.view(new Float64Array(5), "w"), /5 elements, the model has 6/);
    assert.throws(() => layout.entry("b"), /no parameter named "b"/);
    assert.throws(() => new ParamLayout([{ name: "w", shape: [1] }, { name: "w", shape: [1] }]), /duplicate/);
  });
});

describe("networks", () => {
  test("Martens' presets have his sizes, mirrored, with logistic hidden units and a linear code", () => {
    const net = autoencoderPreset("mnist");
    const sizes = [net.layers[0]!.inputs, ...net.layers.map((l) => l.outputs)];
    assert.deepEqual(sizes, [784, 1000, 500, 250, 30, 250, 500, 1000, 784]);
    assert.equal(net.loss, "sigmoid_cross_entropy");
    assert.deepEqual(net.layers.map((l) => l.activation), ["sigmoid", "sigmoid", "sigmoid", "linear", "sigmoid", "sigmoid", "sigmoid", "linear"]);
    assert.equal(net.layout.size, 2 * (784 * 1000 + 1000 * 500 + 500 * 250 + 250 * 30) + 1000 + 500 + 250 + 30 + 250 + 500 + 1000 + 784);
    const faces = autoencoderPreset("faces");
    assert.equal(faces.loss, "mse");
    assert.equal(faces.layers[faces.layers.length - 1]!.activation, "linear");
    assert.deepEqual(AUTOENCODER_PRESETS.curves, [784, 400, 200, 100, 50, 25, 6]);
  });
  test("inconsistent networks are rejected", () => {
    assert.throws(() => network([{ inputs: 2, outputs: 3, activation: "tanh" }, { inputs: 4, outputs: 1, activation: "linear" }], "mse"), /outputs 3 but layer 1 takes 4/);
    assert.throws(() => mlp([2, 3], { hidden: "tanh", output: "sigmoid", loss: "sigmoid_cross_entropy" }), /must be linear/);
    assert.throws(() => mlp([2, 3], { hidden: "tanh", output: "linear", loss: "mse", weightDecay: -1 }), /weight decay/);
  });
  test("the forward pass is z = a·W + b, a = f(z), layer by layer (seed 3)", () => {
    const rng = new Rng(3);
    for (const act of ACTIVATIONS) {
      const net = mlp([3, 4, 2], { hidden: act, output: "linear", loss: "mse" });
      const theta = Float64Array.from({ length: net.layout.size }, () => rng.normal());
      const x = Float64Array.from({ length: 5 * 3 }, () => rng.normal());
      const got = forward(net, tensor(theta), tensor(x, { shape: [5, 3] })).toArray();
      let a: number[][] = Array.from({ length: 5 }, (_, r) => Array.from(x.subarray(r * 3, r * 3 + 3)));
      net.layers.forEach((layer, i) => {
        const W = net.layout.view(theta, weightName(i));
        const b = net.layout.view(theta, biasName(i));
        a = a.map((row) =>
          Array.from({ length: layer.outputs }, (_, o) => {
            const z = row.reduce((acc, v, j) => acc + v * W[j * layer.outputs + o]!, b[o]!);
            return activate(layer.activation, tensor([z])).item();
          }),
        );
      });
      a.flat().forEach((v, i) => assert.ok(Math.abs(v - got[i]!) <= 1e-14 * (1 + Math.abs(v)), `${act} entry ${i}`));
    }
  });
  test("input width and dtype mismatches are clear errors", () => {
    const net = mlp([3, 2], { hidden: "tanh", output: "linear", loss: "mse" });
    const theta = tensor(new Float64Array(net.layout.size));
    assert.throws(() => forward(net, theta, tensor(new Float64Array(8), { shape: [2, 4] })), /\[2, 4\] do not match the model's input width 3/);
    assert.throws(() => forward(net, theta, tensor(new Float32Array(6), { shape: [2, 3] })), /float32 but parameters are float64/);
  });
});

describe("initializers", () => {
  test("same seed, same θ; other seed, other θ", () => {
    const net = autoencoderPreset("curves");
    for (const scheme of ["glorot", "he", "martens-sparse"] as const) {
      const a = initialize(net, { scheme, seed: 1 });
      assert.deepEqual(a, initialize(net, { scheme, seed: 1 }));
      assert.notDeepEqual(a, initialize(net, { scheme, seed: 2 }));
      for (let i = 0; i < net.layers.length; i++) assert.ok(net.layout.view(a, biasName(i)).every((b) => b === 0), "zero biases");
    }
  });
  test("Martens' sparse init: exactly 15 nonzero incoming weights per unit", () => {
    const net = mlp([40, 7, 3], { hidden: "sigmoid", output: "linear", loss: "mse" });
    const theta = initialize(net, { scheme: "martens-sparse", seed: 4 });
    const W = net.layout.view(theta, weightName(0)); // [40, 7]
    for (let unit = 0; unit < 7; unit++) {
      let nonzero = 0;
      for (let j = 0; j < 40; j++) if (W[j * 7 + unit] !== 0) nonzero++;
      assert.equal(nonzero, 15);
    }
    const W1 = net.layout.view(theta, weightName(1)); // only 7 inputs: all of them
    assert.ok(W1.every((w) => w !== 0));
  });
  test("Glorot's range and He's scale", () => {
    const net = mlp([300, 200], { hidden: "relu", output: "linear", loss: "mse" });
    const g = net.layout.view(initialize(net, { scheme: "glorot", seed: 5 }), weightName(0));
    const r = Math.sqrt(6 / 500);
    assert.ok(g.every((w) => Math.abs(w) <= r));
    const he = net.layout.view(initialize(net, { scheme: "he", seed: 5 }), weightName(0));
    const variance = he.reduce((acc, w) => acc + w * w, 0) / he.length;
    assert.ok(Math.abs(variance - 2 / 300) < 0.05 * (2 / 300), `variance ${variance}`);
  });
});
