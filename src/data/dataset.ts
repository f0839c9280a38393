/** @file the in-memory data set: inputs and targets as [N, d] arrays, with validation, split and subset */
import { formatShape, type NDArray } from "../kernels/ndarray.js";
import { takeRows } from "./batches.js";

/**
 * N examples as rows: `inputs` is [N, dIn], `targets` is [N, dOut]. For an autoencoder the
 * targets are the inputs — the same array object, so `ds.targets === ds.inputs` tells the two
 * apart without a flag and nothing is stored twice. `labels` (class indices) are kept where the
 * source has them (MNIST digits, Gaussian blobs) for accuracy and plots; losses never read them.
 */
export interface Dataset {
  readonly name: string;
  readonly inputs: NDArray;
  readonly targets: NDArray;
  readonly labels?: Int32Array;
}

/** Thrown by validateDataset; the message names the data set and the first problem found. */
export class DatasetError extends Error {
  override readonly name = "DatasetError";
}

/** Whether a data set is an autoencoder set (its targets are its inputs). */
export function isAutoencoder(ds: Dataset): boolean {
  return ds.targets === ds.inputs;
}

/** Number of examples N. */
export function datasetSize(ds: Dataset): number {
  return ds.inputs.shape[0] ?? 0;
}

/**
 * Throws a DatasetError unless the data set is well formed: inputs and targets 2-D with the
 * data length their shape says, the same N and dtype, labels (if any) N non-negative integers,
 * and every value finite. A NaN or ±Inf is reported with its array, row and column, e.g.
 * `data set "curves": inputs[12, 340] is NaN`.
 */
export function validateDataset(ds: Dataset): void {
  const fail = (problem: string): never => {
    throw new DatasetError(`data set "${ds.name}": ${problem}`);
  };
  const arrays: [string, NDArray][] = [["inputs", ds.inputs]];
  if (ds.targets !== ds.inputs) arrays.push(["targets", ds.targets]);
  for (const [role, a] of arrays) {
    if (a.shape.length !== 2) fail(`${role} must be 2-D [N, d], got shape ${formatShape(a.shape)}`);
    const [rows, cols] = a.shape as [number, number];
    if (a.data.length !== rows * cols) {
      fail(`${role} has ${a.data.length} values but shape ${formatShape(a.shape)} needs ${rows * cols}`);
    }
  }
  const n = ds.inputs.shape[0]!;
  if (ds.targets.shape[0] !== n) {
    fail(`inputs have ${n} rows but targets have ${ds.targets.shape[0]}`);
  }
  if (ds.targets.dtype !== ds.inputs.dtype) {
    fail(`inputs are ${ds.inputs.dtype} but targets are ${ds.targets.dtype}`);
  }
  if (ds.labels !== undefined) {
    if (ds.labels.length !== n) fail(`${ds.labels.length} labels for ${n} rows`);
    const bad = ds.labels.findIndex((l) => l < 0);
    if (bad >= 0) fail(`labels[${bad}] = ${ds.labels[bad]} is negative`);
  }
  for (const [role, a] of arrays) {
    const cols = a.shape[1]!;
    const data = a.data;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      // v - v is 0 for finite v and NaN for NaN/±Inf: one test, no branch per kind.
      if (v - v !== 0) {
        fail(`${role}[${Math.floor(i / cols)}, ${i % cols}] is ${String(v)}`);
      }
    }
  }
}

/** An autoencoder data set (targets = inputs, the same object) over [N, d] inputs. */
export function autoencoderDataset(name: string, inputs: NDArray, labels?: Int32Array): Dataset {
  return labels === undefined ? { name, inputs, targets: inputs } : { name, inputs, targets: inputs, labels };
}

/** The train/test halves of a split. */
export interface DatasetSplit {
  readonly train: Dataset;
  readonly test: Dataset;
}

/**
 * The first `nTrain` rows as `train` (named `<name>-train`) and the rest as `test`
 * (`<name>-test`). No shuffling: the order is the data set's own. The halves are zero-copy
 * views of the same memory (arrays are immutable); an autoencoder stays one.
 */
export function splitDataset(ds: Dataset, nTrain: number): DatasetSplit {
  const n = datasetSize(ds);
  if (!Number.isInteger(nTrain) || nTrain < 0 || nTrain > n) {
    throw new RangeError(`splitDataset: nTrain must be an integer in [0, ${n}], got ${nTrain}`);
  }
  return {
    train: rowRange(ds, `${ds.name}-train`, 0, nTrain),
    test: rowRange(ds, `${ds.name}-test`, nTrain, n),
  };
}

/** The rows [start, end) of a data set as zero-copy views, under a new name. */
export function rowRange(ds: Dataset, name: string, start: number, end: number): Dataset {
  const view = (a: NDArray): NDArray => {
    const cols = a.shape[1]!;
    return { shape: [end - start, cols], dtype: a.dtype, data: a.data.subarray(start * cols, end * cols) };
  };
  const inputs = view(ds.inputs);
  const targets = ds.targets === ds.inputs ? inputs : view(ds.targets);
  return ds.labels === undefined
    ? { name, inputs, targets }
    : { name, inputs, targets, labels: ds.labels.subarray(start, end) };
}

/**
 * The rows at `indices` (in that order, repeats allowed) as a new data set with copied arrays;
 * an autoencoder stays one. Used to materialize a minibatch from a BatchSampler's indices.
 */
export function subset(ds: Dataset, indices: ArrayLike<number>, name = ds.name): Dataset {
  const inputs = takeRows(ds.inputs, indices);
  const targets = ds.targets === ds.inputs ? inputs : takeRows(ds.targets, indices);
  if (ds.labels === undefined) return { name, inputs, targets };
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) labels[i] = ds.labels[indices[i]!]!;
  return { name, inputs, targets, labels };
}
