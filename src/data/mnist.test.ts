import { test } from "node:test";
import assert from "node:assert/strict";
import type { TypedArray } from "../kernels/ndarray.js";
import { isAutoencoder, validateDataset, type Dataset } from "./dataset.js";
import { loadMnist, mnistSplit, parseMnistDigits, readMnistData, readMnistPackageFile, type MnistReader } from "./mnist.js";

/** Images per digit in the package (v1.1.0). */
const CLASS_SIZES = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

// One read of the package shared by the tests below (the loader caches it anyway).
let loaded: Promise<{ ms: number; split: Awaited<ReturnType<typeof loadMnist>> }> | undefined;
function shared(): NonNullable<typeof loaded> {
  loaded ??= (async () => {
    const t0 = performance.now();
    const split = await loadMnist({ dtype: "float64" });
    return { ms: performance.now() - t0, split };
  })();
  return loaded;
}

/** FNV-1a over a row's values: a fingerprint to compare rows across sets. */
function rowHashes(data: TypedArray, cols: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < data.length / cols; i++) {
    let h = 0x811c9dc5;
    for (let j = 0; j < cols; j++) h = Math.imul(h ^ Math.round(255 * data[i * cols + j]!), 0x01000193);
    out.push(h >>> 0);
  }
  return out;
}

function labelCounts(ds: Dataset): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const l of ds.labels!) counts[l]!++;
  return counts;
}

test("loadMnist: 8000 train + 2000 test autoencoder sets of 784 grey values p/255 in [0, 1]", async (t) => {
  const { ms, split } = await shared();
  t.diagnostic(`first load (read + parse 10 JSON files + split, float64): ${ms.toFixed(0)} ms`);
  const { train, test: held } = split;
  assert.equal(train.name, "mnist-train");
  assert.equal(held.name, "mnist-test");
  assert.deepEqual(train.inputs.shape, [8000, 784]);
  assert.deepEqual(held.inputs.shape, [2000, 784]);
  assert.equal(train.inputs.dtype, "float64");
  assert.ok(isAutoencoder(train) && isAutoencoder(held));
  validateDataset(train);
  validateDataset(held);
  let sum = 0;
  let max = 0;
  let offLevel = 0;
  for (const v of train.inputs.data) {
    const p = Math.round(255 * v);
    if (!(p >= 0 && p <= 255 && v === p / 255)) offLevel++;
    sum += v;
    max = Math.max(max, v);
  }
  assert.equal(offLevel, 0, "values not of the form p/255, p ∈ 0…255");
  assert.equal(max, 1);
  // MNIST's mean intensity is ≈ 0.13 (the familiar 0.1307 of the 60k training set).
  const mean = sum / train.inputs.data.length;
  assert.ok(mean > 0.11 && mean < 0.15, `mean intensity ${mean}`);
});

test("loadMnist: the split is stratified — each digit 80/20 within one image", async () => {
  const { train, test: held } = (await shared()).split;
  const tr = labelCounts(train);
  const te = labelCounts(held);
  CLASS_SIZES.forEach((n, d) => {
    assert.equal(tr[d]! + te[d]!, n, `digit ${d} total`);
    assert.ok(Math.abs(tr[d]! - 0.8 * n) <= 1, `digit ${d}: ${tr[d]} train of ${n}`);
  });
  // Interleaved: any 100 consecutive training images hold every digit.
  assert.equal(new Set(train.labels!.subarray(4000, 4100)).size, 10);
});

test("loadMnist: split is deterministic, disjoint, and a seed only reorders rows within each part", async () => {
  const { train, test: held } = (await shared()).split;
  const trainRows = rowHashes(train.inputs.data, 784);
  const testRows = rowHashes(held.inputs.data, 784);
  const trainSet = new Set(trainRows);
  assert.equal(trainSet.size, 8000, "no duplicate images");
  assert.ok(testRows.every((h) => !trainSet.has(h)), "no test image in the training set");

  // A different reader function is not served from the cache: this parses the files again.
  const fresh: MnistReader = (digit) => readMnistPackageFile(digit);
  const again = await loadMnist({ dtype: "float64", read: fresh });
  assert.deepEqual(again.train.inputs.data, train.inputs.data);
  assert.deepEqual(again.test.labels, held.labels);

  const seeded = mnistSplit(await readMnistData(), { dtype: "float32", seed: 5 });
  const seededRows = rowHashes(seeded.train.inputs.data, 784);
  assert.notDeepEqual(seededRows, trainRows);
  assert.deepEqual([...seededRows].sort(), [...trainRows].sort());
  assert.deepEqual([...rowHashes(seeded.test.inputs.data, 784)].sort(), [...testRows].sort());
  assert.deepEqual(labelCounts(seeded.train), labelCounts(train));
});

test("mnistSplit: trainSize and the classification task", async () => {
  const data = await readMnistData();
  const { train, test: held } = mnistSplit(data, { dtype: "float32", trainSize: 9000, task: "classification" });
  assert.deepEqual(held.targets.shape, [1000, 10]);
  assert.equal(held.targets.dtype, "float32");
  for (let i = 0; i < 1000; i++) {
    const row = Array.from(held.targets.data.subarray(10 * i, 10 * i + 10));
    assert.deepEqual(row, row.map((_, k) => (k === held.labels![i] ? 1 : 0)));
  }
  assert.equal(train.inputs.shape[0], 9000);
  assert.throws(() => mnistSplit(data, { dtype: "float32", trainSize: 10001 }), RangeError);
});

test("parseMnistDigits interleaves classes by (k + ½)/n_d and recovers exact grey levels", () => {
  // Digit 0 has two images, the others one; pixel 0 of each encodes its grey level.
  const level = (d: number, k: number): number => 20 * d + 7 * k + 1;
  const texts = Array.from({ length: 10 }, (_, d) => {
    const images = d === 0 ? 2 : 1;
    const data = new Array<number>(784 * images).fill(0);
    for (let k = 0; k < images; k++) data[784 * k] = Math.round((1000 * level(d, k)) / 255) / 1000;
    return JSON.stringify({ data });
  });
  const parsed = parseMnistDigits(texts);
  assert.equal(parsed.count, 11);
  // Keys: digit 0 → ¼, ¾; every other digit → ½ (ties by digit).
  assert.deepEqual(Array.from(parsed.labels), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0]);
  const firstPixels = Array.from({ length: 11 }, (_, i) => parsed.pixels[784 * i]);
  assert.deepEqual(firstPixels, [level(0, 0), ...Array.from({ length: 9 }, (_, d) => level(d + 1, 0)), level(0, 1)]);
  const { train, test: held } = mnistSplit(parsed, { dtype: "float64", trainSize: 10 });
  assert.equal(held.inputs.data[0], level(0, 1) / 255);
  assert.equal(train.inputs.data[784], level(1, 0) / 255);
});

test("parseMnistDigits and readMnistData reject bad files with the file and image named", async () => {
  const good = JSON.stringify({ data: new Array<number>(784).fill(0) });
  const withDigit3 = (text: string): string[] => Array.from({ length: 10 }, (_, d) => (d === 3 ? text : good));
  const bad = (values: unknown[]): string => JSON.stringify({ data: values });
  const pixels = (v: unknown, at: number): unknown[] => Array.from({ length: 1568 }, (_, i) => (i === at ? v : 0));
  const cases: [string, RegExp][] = [
    ["{", /digits\/3\.json: not valid JSON/],
    ["[1, 2]", /digits\/3\.json: expected an object with a "data" array/],
    [bad([0, 0.5]), /digits\/3\.json: 2 values is not a positive multiple of 784/],
    [bad(pixels(1.5, 790)), /digits\/3\.json: image 1, pixel 6: 1.5 is not a grey level/],
    [bad(pixels(0.5, 3)), /image 0, pixel 3: 0.5 is not a grey level/],
    [bad(pixels("0.2", 0)), /image 0, pixel 0: "0.2" is not a grey level/],
  ];
  for (const [text, message] of cases) assert.throws(() => parseMnistDigits(withDigit3(text)), message);
  assert.throws(() => parseMnistDigits([good]), /expected 10 digit files, got 1/);

  let calls = 0;
  const failing: MnistReader = (digit) => {
    calls++;
    if (digit === 7) throw new Error("no such file");
    return good;
  };
  await assert.rejects(readMnistData(failing), /mnist: cannot read digits\/7\.json: no such file/);
  await assert.rejects(readMnistData(failing), /digits\/7\.json/);
  assert.equal(calls, 20, "a failed read is not cached");
});
