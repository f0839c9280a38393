/** @file what a file that comes from PyTorch the wrong way says: transposed weights, Sequential names, integer labels, torch.save archives */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSafetensors, serializeSafetensors } from "../data/safetensors.js";
import { ndarray, type NDArray } from "../kernels/ndarray.js";
import { initialize, mlp, weightName } from "../nn/index.js";
import { decodeData, decodeModel, encodeParams, modelMetadata } from "./modelCodec.js";

const net = mlp([3, 4, 2], { hidden: "tanh", output: "linear", loss: "softmax_cross_entropy" });
const theta = initialize(net, { scheme: "glorot", seed: 1 });

const decode = (tensors: Map<string, NDArray>): unknown => decodeModel(parseSafetensors(serializeSafetensors(tensors, modelMetadata(net))), "m.safetensors");

test("a weight stored [in, out] is named as the weight, with nn.Linear's layout", () => {
  const tensors = encodeParams(net, theta, "float64");
  const w = tensors.get(weightName(0))!;
  const [out, inp] = w.shape as [number, number];
  const transposed = new Float64Array(w.data.length);
  for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) transposed[i * out + o] = w.data[o * inp + i]!;
  tensors.set(weightName(0), ndarray(transposed, [inp, out]));
  assert.throws(
    () => decode(tensors),
    (e: unknown) => e instanceof Error && /"layers\.0\.weight" is \[3, 4\].*\[out, in\] like nn\.Linear.*transposed/.test(e.message) && !/bias" must be/.test(e.message),
  );
});

test("nn.Sequential state_dict names (0.weight, 2.weight) get the renaming rule", () => {
  const tensors = encodeParams(net, theta, "float64");
  const renamed = new Map<string, NDArray>();
  for (const [name, t] of tensors) renamed.set(name.replace(/^layers\.(\d+)\./, (_m, i: string) => `${2 * Number(i)}.`), t);
  assert.throws(() => decode(renamed), /"0\.weight".*nn\.Sequential.*layers\.\{i\}\.weight/);
});

test("class labels [N] (not one-hot) are refused with what to write instead", () => {
  const bytes = serializeSafetensors(new Map([
    ["inputs", ndarray(new Float64Array(6 * 3), [6, 3])],
    ["targets", ndarray(Float64Array.of(0, 1, 1, 0, 1, 0), [6])],
  ]));
  assert.throws(() => decodeData(parseSafetensors(bytes), "d.safetensors", net), /one-hot float targets \[N, classes\]/);
});

test("integer tensors say what a data file's targets must be", () => {
  // an I64 "targets" tensor as torch's safetensors.torch.save_file writes class indices
  const header = JSON.stringify({ targets: { dtype: "I64", shape: [2], data_offsets: [0, 16] } });
  const padded = header + " ".repeat((8 - (header.length % 8)) % 8);
  const bytes = new Uint8Array(8 + padded.length + 16);
  new DataView(bytes.buffer).setUint32(0, padded.length, true);
  bytes.set(new TextEncoder().encode(padded), 8);
  assert.throws(() => parseSafetensors(bytes, { name: "labels.safetensors" }), /I64.*one-hot float targets/);
});

test("a torch.save archive (zip) or pickle is named as such, not as a bad header length", () => {
  const zip = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.throws(() => parseSafetensors(zip, { name: "model.pt" }), /model\.pt: a zip archive.*torch\.save.*safetensors\.torch\.save_file/);
  const pickle = Uint8Array.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8]);
  assert.throws(() => parseSafetensors(pickle, { name: "old.pt" }), /old\.pt: a Python pickle.*torch\.save/);
});
