import { test } from "node:test";
import assert from "node:assert/strict";
import { isAutoencoder, validateDataset } from "./dataset.js";
import { IdxError } from "./idx.js";
import { MNIST_FILES, mnistSplit, parseMnist, type MnistFiles } from "./mnist.js";

/** A big-endian IDX file of unsigned bytes, written here from the format description. */
function ubyteIdx(shape: readonly number[], values: ArrayLike<number>): Uint8Array {
  const header = 4 + 4 * shape.length;
  const out = new Uint8Array(header + values.length);
  const view = new DataView(out.buffer);
  view.setUint8(2, 0x08);
  view.setUint8(3, shape.length);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(Array.from(values), header);
  return out;
}

/** n images whose pixel 0 is `first(i)` and pixel 783 is `last(i)`, the rest 0. */
function images(n: number, first: (i: number) => number, last: (i: number) => number): Uint8Array {
  const px = new Uint8Array(n * 784);
  for (let i = 0; i < n; i++) {
    px[784 * i] = first(i);
    px[784 * i + 783] = last(i);
  }
  return ubyteIdx([n, 28, 28], px);
}

/** Five training digits (labels 3 1 4 1 5) and three test digits (labels 9 2 6). */
function smallFiles(): MnistFiles {
  return {
    trainImages: images(5, (i) => 10 + i, () => 255),
    trainLabels: ubyteIdx([5], [3, 1, 4, 1, 5]),
    testImages: images(3, (i) => 100 + i, () => 51),
    testLabels: ubyteIdx([3], [9, 2, 6]),
  };
}

test("mnistSplit on small IDX files: file order, sizes, values p/255, labels, autoencoder targets", () => {
  const data = parseMnist(smallFiles());
  assert.equal(data.train.count, 5);
  assert.equal(data.test.count, 3);
  const { train, test: held } = mnistSplit(data, { dtype: "float64" });
  assert.equal(train.name, "mnist-train");
  assert.equal(held.name, "mnist-test");
  assert.deepEqual(train.inputs.shape, [5, 784]);
  assert.deepEqual(held.inputs.shape, [3, 784]);
  assert.ok(isAutoencoder(train) && isAutoencoder(held));
  validateDataset(train);
  assert.deepEqual(Array.from(train.labels!), [3, 1, 4, 1, 5]);
  assert.deepEqual(Array.from(held.labels!), [9, 2, 6]);
  assert.deepEqual(Array.from({ length: 5 }, (_, i) => train.inputs.data[784 * i]), [10, 11, 12, 13, 14].map((p) => p / 255));
  assert.equal(train.inputs.data[783], 1);
  assert.equal(held.inputs.data[783], 0.2);
  assert.equal(held.inputs.data[1], 0);

  const sub = mnistSplit(data, { dtype: "float32", trainSize: 2, testSize: 1 });
  assert.deepEqual(sub.train.inputs.shape, [2, 784]);
  assert.equal(sub.train.inputs.dtype, "float32");
  assert.deepEqual(Array.from(sub.train.labels!), [3, 1]);
  assert.deepEqual(Array.from(sub.test.labels!), [9]);
  assert.throws(() => mnistSplit(data, { dtype: "float32", trainSize: 6 }), /trainSize must be an integer in \[0, 5\], got 6/);
  assert.throws(() => mnistSplit(data, { dtype: "float32", testSize: 1.5 }), /testSize must be an integer in \[0, 3\], got 1.5/);
});

test("mnistSplit: a seed permutes rows within each part, with their labels; classification is one-hot", () => {
  const data = parseMnist(smallFiles());
  const seeded = mnistSplit(data, { dtype: "float64", seed: 4, task: "classification" });
  const firstPixels = Array.from({ length: 5 }, (_, i) => Math.round(255 * seeded.train.inputs.data[784 * i]!));
  assert.notDeepEqual(firstPixels, [10, 11, 12, 13, 14]);
  assert.deepEqual([...firstPixels].sort(), [10, 11, 12, 13, 14]);
  // Each row keeps its own label: pixel 10 + k belongs to the k-th label of the file.
  const fileLabels = [3, 1, 4, 1, 5];
  firstPixels.forEach((p, i) => assert.equal(seeded.train.labels![i], fileLabels[p - 10]));
  assert.deepEqual(seeded.train.targets.shape, [5, 10]);
  seeded.train.labels!.forEach((label, i) => {
    const row = Array.from(seeded.train.targets.data.subarray(10 * i, 10 * i + 10));
    assert.deepEqual(row, row.map((_, k) => (k === label ? 1 : 0)));
  });
  assert.deepEqual(mnistSplit(data, { dtype: "float64", seed: 4 }).train.inputs.data, seeded.train.inputs.data, "same seed, same order");
});

test("parseMnist rejects files of the wrong type, shape, count or label range, naming the file", () => {
  const files = smallFiles();
  const cases: [Partial<MnistFiles>, RegExp][] = [
    [{ trainImages: ubyteIdx([5, 28, 27], new Uint8Array(5 * 28 * 27)) }, /train-images-idx3-ubyte: expected shape \[N, 28, 28\], the file has \[5, 28, 27\]/],
    [{ testLabels: ubyteIdx([3, 1], [9, 2, 6]) }, /t10k-labels-idx1-ubyte: expected shape \[N\]/],
    [{ trainLabels: ubyteIdx([4], [3, 1, 4, 1]) }, /train-labels-idx1-ubyte: 4 labels for the 5 images of train-images-idx3-ubyte/],
    [{ testLabels: ubyteIdx([3], [9, 10, 6]) }, /t10k-labels-idx1-ubyte: label 1 is 10, not a digit 0…9/],
    [{ testImages: files.testImages.subarray(0, 100) }, /t10k-images-idx3-ubyte: truncated/],
    [{ trainLabels: Uint8Array.from([0, 0, 0x0c, 1, 0, 0, 0, 5, ...new Uint8Array(20)]) }, /train-labels-idx1-ubyte: expected uint8 values, the file holds int32/],
  ];
  for (const [change, message] of cases) {
    assert.throws(() => parseMnist({ ...files, ...change }), (err: unknown) => err instanceof IdxError && message.test(err.message));
  }
  assert.equal(MNIST_FILES.testImages, "t10k-images-idx3-ubyte");
});
