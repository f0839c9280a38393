/** @file the model/vector/data contracts: round trips, PyTorch layout, and every broken rule named */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseSafetensors, serializeSafetensors } from "../data/safetensors.js";
import { ndarray, type NDArray } from "../kernels/ndarray.js";
import { Rng } from "../kernels/random.js";
import { initialize, mlp, weightName } from "../nn/index.js";
import { ContractError, decodeData, decodeModel, decodeVector, encodeParams, modelMetadata } from "./modelCodec.js";

const net = mlp([3, 4, 2], { hidden: "gelu", output: "linear", loss: "softmax_cross_entropy", weightDecay: 0.25 });
const theta = initialize(net, { scheme: "glorot", seed: 1 });

function modelBytes(tensors: Map<string, NDArray>, metadata: Record<string, string>): Uint8Array {
  return serializeSafetensors(tensors, metadata);
}

describe("model files", () => {
  test("round trip in float64 is exact, and weights are stored [out, in]", () => {
    const tensors = encodeParams(net, theta, "float64");
    const w0 = tensors.get(weightName(0))!;
    assert.deepEqual(w0.shape, [4, 3]);
    // file w[o, i] = θ's W[i, o]
    assert.equal(w0.data[1 * 3 + 2], net.layout.view(theta, weightName(0))[2 * 4 + 1]);
    const back = decodeModel(parseSafetensors(modelBytes(tensors, modelMetadata(net))), "m");
    assert.deepEqual(back.theta, theta);
    assert.equal(back.network.weightDecay, 0.25);
    assert.deepEqual(back.network.layers, net.layers);
    assert.equal(back.dtype, "float64");
  });
  test("float32 files round to float32", () => {
    const back = decodeModel(parseSafetensors(modelBytes(encodeParams(net, theta, "float32"), modelMetadata(net))), "m");
    assert.equal(back.dtype, "float32");
    back.theta.forEach((t, i) => assert.equal(t, Math.fround(theta[i]!)));
  });

  const broken: [string, (t: Map<string, NDArray>, m: Record<string, string>) => void, RegExp][] = [
    ["no activations", (_t, m) => delete m.activations, /no "activations"/],
    ["no loss", (_t, m) => delete m.loss, /no "loss"/],
    ["unknown loss", (_t, m) => (m.loss = "hinge"), /unknown loss "hinge"/],
    ["unknown activation", (_t, m) => (m.activations = "swish,linear"), /unknown activation "swish" for layer 0/],
    ["too few activations", (_t, m) => (m.activations = "gelu"), /unexpected tensor "layers.1.(weight|bias)"/],
    ["too many activations", (_t, m) => (m.activations = "gelu,gelu,linear"), /missing tensor "layers.2.weight"/],
    ["missing bias", (t) => t.delete("layers.1.bias"), /missing tensor "layers.1.bias"/],
    ["bias of the wrong size", (t) => t.set("layers.0.bias", ndarray(new Float64Array(3), [3])), /"layers.0.bias" must be \[4\]/],
    ["1-D weight", (t) => t.set("layers.0.weight", ndarray(new Float64Array(12), [12])), /must be 2-D \[out, in\]/],
    ["layers that do not chain", (t) => t.set("layers.1.weight", ndarray(new Float64Array(10), [2, 5])), /layer 1 takes 5 inputs but layer 0 gives 4/],
    ["mixed dtypes", (t) => t.set("layers.1.bias", ndarray(new Float32Array(2), [2])), /mix float32 and float64/],
    ["NaN parameter", (t) => t.get("layers.0.weight")!.data.fill(NaN, 2, 3), /"layers.0.weight" holds NaN at flat index 2/],
    ["bad weight decay", (_t, m) => (m.weight_decay = "lots"), /invalid weight_decay "lots"/],
    ["cross-entropy after a nonlinear last layer", (_t, m) => (m.activations = "gelu,sigmoid"), /last layer must be linear/],
  ];
  for (const [name, breakIt, message] of broken) {
    test(`rejects: ${name}`, () => {
      const tensors = encodeParams(net, theta, "float64");
      const meta = modelMetadata(net);
      breakIt(tensors, meta);
      assert.throws(
        () => decodeModel(parseSafetensors(modelBytes(tensors, meta)), "bad.safetensors"),
        (e: unknown) => e instanceof ContractError && e.message.startsWith("bad.safetensors: ") && message.test(e.message),
      );
    });
  }
});

describe("vector and data files", () => {
  test("a vector round-trips through the model's names and shapes", () => {
    const rng = new Rng(2);
    const v = Float64Array.from({ length: theta.length }, () => rng.normal());
    const contents = parseSafetensors(serializeSafetensors(encodeParams(net, v, "float64")));
    assert.deepEqual(decodeVector(contents, net, "v"), v);
    const other = mlp([3, 5, 2], { hidden: "gelu", output: "linear", loss: "mse" });
    assert.throws(() => decodeVector(contents, other, "v"), /"layers.0.weight" is \[4, 3\], the model's is \[5, 3\]/);
  });
  test("data files: autoencoder sets, width checks, NaN", () => {
    const inputs = ndarray(Float64Array.from({ length: 6 }, (_, i) => i / 6), [2, 3]);
    const ae = decodeData(parseSafetensors(serializeSafetensors({ inputs })), "d");
    assert.equal(ae.targets, ae.inputs, "no targets: an autoencoder set");
    const targets = ndarray(new Float64Array(4), [2, 2]);
    assert.equal(decodeData(parseSafetensors(serializeSafetensors({ inputs, targets })), "d", net).targets.shape[1], 2);
    assert.throws(() => decodeData(parseSafetensors(serializeSafetensors({ inputs })), "d", net), /inputs \(autoencoder targets\) have width 3 but the model outputs 2/);
    assert.throws(() => decodeData(parseSafetensors(serializeSafetensors({ inputs, targets: ndarray(new Float64Array(3), [3, 1]) })), "d"), /2 rows but "targets" has 3/);
    assert.throws(() => decodeData(parseSafetensors(serializeSafetensors({ x: inputs })), "d"), /missing tensor "inputs"/);
    const bad = ndarray(Float64Array.from([0, 1, Infinity, 0, 0, 0]), [2, 3]);
    assert.throws(() => decodeData(parseSafetensors(serializeSafetensors({ inputs: bad })), "d"), /Infinity/);
  });
});
