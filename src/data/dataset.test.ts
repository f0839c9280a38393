import { test } from "node:test";
import assert from "node:assert/strict";
import type { NDArray } from "../kernels/ndarray.js";
import {
  autoencoderDataset,
  DatasetError,
  datasetSize,
  isAutoencoder,
  splitDataset,
  subset,
  validateDataset,
  type Dataset,
} from "./dataset.js";

function matrix(rows: number, cols: number, f: (i: number, j: number) => number): NDArray {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = f(i, j);
  return { shape: [rows, cols], dtype: "float64", data };
}

const x = matrix(5, 3, (i, j) => 10 * i + j);
const y = matrix(5, 2, (i, j) => 100 + 10 * i + j);
const supervised: Dataset = { name: "toy", inputs: x, targets: y, labels: Int32Array.from([0, 1, 0, 1, 2]) };

test("validateDataset accepts well-formed supervised and autoencoder sets", () => {
  validateDataset(supervised);
  validateDataset(autoencoderDataset("ae", x));
  validateDataset({ name: "empty", inputs: matrix(0, 4, () => 0), targets: matrix(0, 1, () => 0) });
});

test("validateDataset names the data set, array, row and column of the first NaN or Inf", () => {
  const bad = matrix(5, 3, (i, j) => (i === 3 && j === 2 ? NaN : i === 4 ? Infinity : 0));
  assert.throws(() => validateDataset(autoencoderDataset("faces", bad)), {
    name: "DatasetError",
    message: 'data set "faces": inputs[3, 2] is NaN',
  });
  const badTargets = matrix(5, 2, (i, j) => (i === 1 && j === 0 ? -Infinity : 0));
  assert.throws(() => validateDataset({ name: "reg", inputs: x, targets: badTargets }), {
    message: 'data set "reg": targets[1, 0] is -Infinity',
  });
});

test("validateDataset rejects mismatched N, non-2-D shapes, wrong lengths, mixed dtypes and bad labels", () => {
  const cases: [Dataset, RegExp][] = [
    [{ name: "a", inputs: x, targets: matrix(4, 2, () => 0) }, /"a": inputs have 5 rows but targets have 4/],
    [{ name: "b", inputs: { shape: [15], dtype: "float64", data: x.data }, targets: y }, /"b": inputs must be 2-D \[N, d\], got shape \[15\]/],
    [{ name: "c", inputs: x, targets: { shape: [5, 2, 1], dtype: "float64", data: y.data } }, /"c": targets must be 2-D/],
    [{ name: "d", inputs: { shape: [5, 4], dtype: "float64", data: x.data }, targets: y }, /"d": inputs has 15 values but shape \[5, 4\] needs 20/],
    [{ name: "e", inputs: x, targets: { shape: [5, 2], dtype: "float32", data: new Float32Array(10) } }, /"e": inputs are float64 but targets are float32/],
    [{ name: "f", inputs: x, targets: y, labels: new Int32Array(4) }, /"f": 4 labels for 5 rows/],
    [{ name: "g", inputs: x, targets: y, labels: Int32Array.from([0, 0, -1, 0, 0]) }, /"g": labels\[2\] = -1 is negative/],
  ];
  for (const [ds, message] of cases) assert.throws(() => validateDataset(ds), (err: unknown) => err instanceof DatasetError && message.test(err.message));
});

test("splitDataset keeps order, shares memory, keeps labels and autoencoder identity", () => {
  const { train, test: held } = splitDataset(supervised, 3);
  assert.equal(train.name, "toy-train");
  assert.equal(held.name, "toy-test");
  assert.deepEqual(train.inputs.shape, [3, 3]);
  assert.deepEqual(Array.from(held.inputs.data), [30, 31, 32, 40, 41, 42]);
  assert.deepEqual(Array.from(held.targets.data), [130, 131, 140, 141]);
  assert.deepEqual(Array.from(held.labels ?? []), [1, 2]);
  assert.equal(train.inputs.data.buffer, x.data.buffer);
  validateDataset(train);
  validateDataset(held);

  const ae = splitDataset(autoencoderDataset("ae", x), 5);
  assert.ok(isAutoencoder(ae.train) && isAutoencoder(ae.test));
  assert.equal(datasetSize(ae.test), 0);
  assert.equal(ae.train.labels, undefined);
  assert.throws(() => splitDataset(supervised, 6), RangeError);
  assert.throws(() => splitDataset(supervised, 1.5), RangeError);
});

test("subset gathers rows in the given order, with repeats, as copies", () => {
  const s = subset(supervised, [4, 0, 4]);
  assert.deepEqual(Array.from(s.inputs.data), [40, 41, 42, 0, 1, 2, 40, 41, 42]);
  assert.deepEqual(Array.from(s.targets.data), [140, 141, 100, 101, 140, 141]);
  assert.deepEqual(Array.from(s.labels ?? []), [2, 0, 2]);
  assert.notEqual(s.inputs.data.buffer, x.data.buffer);
  const ae = subset(autoencoderDataset("ae", x), Int32Array.from([1]), "one");
  assert.ok(isAutoencoder(ae));
  assert.equal(ae.name, "one");
  assert.deepEqual(Array.from(ae.inputs.data), [10, 11, 12]);
  assert.throws(() => subset(supervised, [5]), /takeRows: index 5 \(position 0\) is outside \[0, 5\)/);
});
