/** @file the model, vector and data file contracts of DESIGN.md as pure codecs on parsed safetensors (browser-safe) */
import type { SafetensorsContents } from "../data/safetensors.js";
import { validateDataset, type Dataset } from "../data/dataset.js";
import { allocate, formatShape, type DType, type NDArray } from "../kernels/ndarray.js";
import { isActivation, isLoss, network, biasName, weightName, type DenseLayer, type Network } from "../nn/index.js";

/** Thrown when a file is well-formed safetensors but breaks a hessian-lab contract; names the file. */
export class ContractError extends Error {
  override readonly name = "ContractError";
}

/** A network and its parameters θ (float64 in memory whatever the file's dtype). */
export interface Model {
  readonly network: Network;
  readonly theta: Float64Array;
  /** The dtype the parameters were stored in. */
  readonly dtype: DType;
}

const fail = (file: string, problem: string): never => {
  throw new ContractError(`${file}: ${problem}`);
};

function checkFinite(file: string, name: string, a: NDArray): void {
  const d = a.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!)) fail(file, `tensor "${name}" holds ${d[i]} at flat index ${i}`);
  }
}

/**
 * Decodes a model: `layers.{i}.weight` [out, in] and `layers.{i}.bias` [out] for i = 0..L−1,
 * `__metadata__.activations` (one per layer), `loss`, optional `weight_decay`. Everything is checked
 * against everything else before a Network is built; weights are transposed to θ's [in, out].
 */
export function decodeModel(contents: SafetensorsContents, file: string): Model {
  const { tensors, metadata } = contents;
  const acts = metadata.activations;
  if (acts === undefined) fail(file, 'metadata has no "activations" (comma-separated, one per layer)');
  const lossName = metadata.loss;
  if (lossName === undefined) fail(file, 'metadata has no "loss" (mse, sigmoid_cross_entropy or softmax_cross_entropy)');
  if (!isLoss(lossName!)) fail(file, `unknown loss "${lossName}" (known: mse, sigmoid_cross_entropy, softmax_cross_entropy)`);
  const activations = acts!.split(",").map((s) => s.trim());
  activations.forEach((a, i) => {
    if (!isActivation(a)) fail(file, `unknown activation "${a}" for layer ${i}`);
  });
  const wdText = metadata.weight_decay;
  const weightDecay = wdText === undefined ? 0 : Number(wdText);
  if (!Number.isFinite(weightDecay) || weightDecay < 0 || wdText?.trim() === "") fail(file, `invalid weight_decay "${wdText}"`);

  const L = activations.length;
  // PyTorch's nn.Sequential numbers its modules, activations included: 0.weight, 2.weight, …
  const sequential = [...tensors.keys()].filter((name) => /^\d+\.(weight|bias)$/.test(name));
  if (sequential.length > 0 && !tensors.has(weightName(0))) {
    fail(file, `tensor names like "${sequential.find((n) => n.endsWith(".weight")) ?? sequential[0]!}" are an nn.Sequential state_dict: rename the k-th Linear's "N.weight"/"N.bias" to layers.{i}.weight/layers.{i}.bias, i = 0, 1, … (docs/pytorch.md)`);
  }
  const expected = new Set<string>();
  const layers: DenseLayer[] = [];
  let dtype: DType | null = null;
  for (let i = 0; i < L; i++) {
    const w = tensors.get(weightName(i));
    const b = tensors.get(biasName(i));
    if (w === undefined) return fail(file, `missing tensor "${weightName(i)}" (metadata lists ${L} layers)`);
    if (b === undefined) return fail(file, `missing tensor "${biasName(i)}"`);
    expected.add(weightName(i)).add(biasName(i));
    if (w.shape.length !== 2) fail(file, `"${weightName(i)}" must be 2-D [out, in], got ${formatShape(w.shape)}`);
    const [out, inp] = w.shape as [number, number];
    // [in, out] (θ's layout, NumPy's x @ W) rather than [out, in]: the bias and the neighbouring
    // layers then agree with the transpose, so the weight, not the bias, is what is wrong
    const next = tensors.get(weightName(i + 1));
    const transposed =
      b.shape.length === 1 &&
      b.shape[0] === inp &&
      inp !== out &&
      (next !== undefined ? next.shape.length === 2 && next.shape[1] === inp : layers[i - 1]?.outputs === out);
    if (transposed) {
      fail(file, `"${weightName(i)}" is ${formatShape(w.shape)} but "${biasName(i)}" is ${formatShape(b.shape)}: weights are [out, in] like nn.Linear, so this one looks transposed (write W.T)`);
    }
    if (b.shape.length !== 1 || b.shape[0] !== out) fail(file, `"${biasName(i)}" must be [${out}], got ${formatShape(b.shape)}`);
    if (dtype !== null && (w.dtype !== dtype || b.dtype !== dtype)) fail(file, "parameters mix float32 and float64");
    dtype = w.dtype;
    if (b.dtype !== dtype) fail(file, "parameters mix float32 and float64");
    const prev = layers[i - 1];
    if (prev !== undefined && prev.outputs !== inp) {
      fail(file, `layer ${i} takes ${inp} inputs but layer ${i - 1} gives ${prev.outputs} outputs`);
    }
    if (out === 0 || inp === 0) fail(file, `layer ${i} has an empty weight ${formatShape(w.shape)}`);
    checkFinite(file, weightName(i), w);
    checkFinite(file, biasName(i), b);
    layers.push({ inputs: inp, outputs: out, activation: activations[i] as DenseLayer["activation"] });
  }
  for (const name of tensors.keys()) if (!expected.has(name)) fail(file, `unexpected tensor "${name}" (metadata lists ${L} layers)`);
  let net: Network;
  try {
    net = network(layers, lossName as Network["loss"], weightDecay);
  } catch (e) {
    return fail(file, e instanceof Error ? e.message : String(e));
  }
  const theta = new Float64Array(net.layout.size);
  layers.forEach((layer, i) => {
    const w = tensors.get(weightName(i))!.data; // [out, in]
    const W = net.layout.view(theta, weightName(i)); // [in, out]
    for (let o = 0; o < layer.outputs; o++) for (let j = 0; j < layer.inputs; j++) W[j * layer.outputs + o] = w[o * layer.inputs + j]!;
    net.layout.view(theta, biasName(i)).set(tensors.get(biasName(i))!.data);
  });
  return { network: net, theta, dtype: dtype ?? "float32" };
}

/** The tensors of a θ-shaped vector in file layout (weights [out, in]), in a dtype. */
export function encodeParams(net: Network, theta: Float64Array, dtype: DType): Map<string, NDArray> {
  net.layout.checkLength(theta.length);
  const tensors = new Map<string, NDArray>();
  net.layers.forEach((layer, i) => {
    const W = net.layout.view(theta, weightName(i));
    const w = allocate(dtype, W.length);
    for (let o = 0; o < layer.outputs; o++) for (let j = 0; j < layer.inputs; j++) w[o * layer.inputs + j] = W[j * layer.outputs + o]!;
    tensors.set(weightName(i), { shape: [layer.outputs, layer.inputs], dtype, data: w });
    const b = allocate(dtype, layer.outputs);
    b.set(net.layout.view(theta, biasName(i)));
    tensors.set(biasName(i), { shape: [layer.outputs], dtype, data: b });
  });
  return tensors;
}

/** The metadata that describes a network in a model file. */
export function modelMetadata(net: Network): Record<string, string> {
  const meta: Record<string, string> = {
    activations: net.layers.map((l) => l.activation).join(","),
    loss: net.loss,
  };
  if (net.weightDecay !== 0) meta.weight_decay = String(net.weightDecay);
  return meta;
}

/**
 * Decodes a "model-shaped" vector file (same names and shapes as the model's parameters) into a
 * flat θ-layout vector.
 */
export function decodeVector(contents: SafetensorsContents, net: Network, file: string): Float64Array {
  const v = new Float64Array(net.layout.size);
  const names = new Set<string>();
  net.layers.forEach((layer, i) => {
    for (const [name, shape] of [
      [weightName(i), [layer.outputs, layer.inputs]],
      [biasName(i), [layer.outputs]],
    ] as const) {
      names.add(name);
      const t = contents.tensors.get(name);
      if (t === undefined) return fail(file, `missing tensor "${name}" (a vector file has the model's tensor names)`);
      if (formatShape(t.shape) !== formatShape(shape)) fail(file, `"${name}" is ${formatShape(t.shape)}, the model's is ${formatShape(shape)}`);
      checkFinite(file, name, t);
    }
    const w = contents.tensors.get(weightName(i))!.data;
    const W = net.layout.view(v, weightName(i));
    for (let o = 0; o < layer.outputs; o++) for (let j = 0; j < layer.inputs; j++) W[j * layer.outputs + o] = w[o * layer.inputs + j]!;
    net.layout.view(v, biasName(i)).set(contents.tensors.get(biasName(i))!.data);
  });
  for (const name of contents.tensors.keys()) if (!names.has(name)) fail(file, `unexpected tensor "${name}" in a vector file`);
  return v;
}

/**
 * Decodes a data file: `inputs` [N, d_in] and optionally `targets` [N, d_out]; without targets it
 * is an autoencoder set (targets = inputs). Checked against the model's widths when one is given.
 */
export function decodeData(contents: SafetensorsContents, file: string, net?: Network): Dataset {
  const inputs = contents.tensors.get("inputs");
  if (inputs === undefined) return fail(file, 'missing tensor "inputs" [N, d_in]');
  const targets = contents.tensors.get("targets") ?? inputs;
  for (const name of contents.tensors.keys()) {
    if (name !== "inputs" && name !== "targets") fail(file, `unexpected tensor "${name}" (a data file holds "inputs" and optionally "targets")`);
  }
  if (inputs.shape.length !== 2) fail(file, `"inputs" must be 2-D [N, d_in], got ${formatShape(inputs.shape)}`);
  if (targets.shape.length === 1) {
    fail(file, `"targets" is ${formatShape(targets.shape)}: class labels go in as one-hot float targets [N, classes] (F.one_hot(y).double() in PyTorch), other targets as [N, d_out]`);
  }
  if (targets.shape.length !== 2) fail(file, `"targets" must be 2-D [N, d_out], got ${formatShape(targets.shape)}`);
  if (targets.shape[0] !== inputs.shape[0]) fail(file, `"inputs" has ${inputs.shape[0]} rows but "targets" has ${targets.shape[0]}`);
  if (targets.dtype !== inputs.dtype) fail(file, '"inputs" and "targets" differ in dtype');
  if (inputs.shape[0] === 0) fail(file, "the data set is empty");
  const ds: Dataset = { name: file, inputs, targets };
  try {
    validateDataset(ds);
  } catch (e) {
    return fail(file, e instanceof Error ? e.message : String(e));
  }
  if (net !== undefined) {
    const dIn = net.layers[0]!.inputs;
    const dOut = net.layers[net.layers.length - 1]!.outputs;
    if (inputs.shape[1] !== dIn) fail(file, `inputs have width ${inputs.shape[1]} but the model takes ${dIn}`);
    if (targets.shape[1] !== dOut) {
      fail(file, `${targets === inputs ? "inputs (autoencoder targets)" : "targets"} have width ${targets.shape[1]} but the model outputs ${dOut}`);
    }
  }
  return ds;
}

/** The tensors of a data file: `inputs`, and `targets` unless the set is an autoencoder's (targets = inputs). */
export function encodeData(ds: Dataset): Map<string, NDArray> {
  const tensors = new Map<string, NDArray>([["inputs", ds.inputs]]);
  if (ds.targets !== ds.inputs) tensors.set("targets", ds.targets);
  return tensors;
}
