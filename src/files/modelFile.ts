/** @file model, vector and data files on disk: read and decode, encode and write atomically (Node only) */
import type { Dataset } from "../data/dataset.js";
import { readSafetensorsFile, writeSafetensorsFile } from "../data/safetensorsFile.js";
import type { DType } from "../kernels/ndarray.js";
import type { Network } from "../nn/index.js";
import { decodeData, decodeModel, decodeVector, encodeData, encodeParams, modelMetadata, type Model } from "./modelCodec.js";

/**
 * The caps on the file contracts' headers: a model, vector or data file holds two tensors per
 * layer (or two) and a few metadata strings, so 4096 tensors (2048 layers) in a 1 MiB header is far
 * beyond any real one, and a file past them is rejected before its header is parsed — in
 * milliseconds, where a 99 MB header of 1.67 M empty entries took 15 s and 2 GB under the
 * reference's 100 MB limit.
 */
export const CONTRACT_LIMITS = { maxHeaderBytes: 1 << 20, maxTensors: 4096 } as const;

/** Reads a model file. */
export async function readModel(path: string): Promise<Model> {
  return decodeModel(await readSafetensorsFile(path, CONTRACT_LIMITS), path);
}

/** Writes a model file atomically (parameters in `dtype`). */
export async function writeModel(path: string, net: Network, theta: Float64Array, dtype: DType): Promise<void> {
  await writeSafetensorsFile(path, encodeParams(net, theta, dtype), modelMetadata(net));
}

/** Reads a vector file for a network. */
export async function readVector(path: string, net: Network): Promise<Float64Array> {
  return decodeVector(await readSafetensorsFile(path, CONTRACT_LIMITS), net, path);
}

/** Writes a θ-layout vector as a model-shaped vector file, atomically. */
export async function writeVector(path: string, net: Network, v: Float64Array, dtype: DType): Promise<void> {
  await writeSafetensorsFile(path, encodeParams(net, v, dtype));
}

/** Reads a data file (checked against a network if given). */
export async function readData(path: string, net?: Network): Promise<Dataset> {
  return decodeData(await readSafetensorsFile(path, CONTRACT_LIMITS), path, net);
}

/** Writes a data file atomically (targets omitted for autoencoder sets). */
export async function writeData(path: string, ds: Dataset): Promise<void> {
  await writeSafetensorsFile(path, encodeData(ds));
}

