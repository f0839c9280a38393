import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ndarray } from "../kernels/ndarray.js";
import { SafetensorsError, serializeSafetensors } from "./safetensors.js";
import { readSafetensorsFile, writeSafetensorsFile } from "./safetensorsFile.js";

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "hessian-lab-st-"));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Matches a SafetensorsError whose message matches `problem`. */
const safetensorsError = (problem: RegExp) => (e: unknown): boolean =>
  e instanceof SafetensorsError && problem.test(e.message);

const tensors = {
  "layers.0.weight": ndarray(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3]),
  "layers.0.bias": ndarray(new Float32Array([0.5, -0.5]), [2]),
};

void test("write then read gives back the same tensors and metadata, byte-identical to serializeSafetensors", () =>
  withDir(async (dir) => {
    const path = join(dir, "model.safetensors");
    await writeSafetensorsFile(path, tensors, { activations: "linear", loss: "mse" });
    assert.deepEqual(new Uint8Array(await readFile(path)), serializeSafetensors(tensors, { activations: "linear", loss: "mse" }));
    const back = await readSafetensorsFile(path);
    assert.deepEqual(Object.fromEntries(back.tensors), tensors);
    assert.deepEqual(back.metadata, { activations: "linear", loss: "mse" });
  }));

void test("reading names the path: missing file, directory, special file, corrupt content", () =>
  withDir(async (dir) => {
    const missing = join(dir, "nope.safetensors");
    await assert.rejects(readSafetensorsFile(missing), safetensorsError(new RegExp(`file not found: ${missing}$`)));
    await assert.rejects(readSafetensorsFile(dir), safetensorsError(/is a directory/));
    if (process.platform !== "win32") {
      await assert.rejects(readSafetensorsFile("/dev/null"), safetensorsError(/not a regular file: \/dev\/null/));
    }
    const corrupt = join(dir, "corrupt.safetensors");
    await writeFile(corrupt, new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 0x5b]));
    await assert.rejects(readSafetensorsFile(corrupt), safetensorsError(new RegExp(`^${corrupt}: header does not start`)));
    await writeFile(corrupt, new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d, 32, 32, 32, 32, 32, 32]));
    await assert.rejects(readSafetensorsFile(corrupt, { maxHeaderBytes: 4 }), safetensorsError(/exceeds the limit of 4 bytes/));
  }));

void test("a failed write is a SafetensorsError naming the path, and the old file survives", () =>
  withDir(async (dir) => {
    const missingDir = join(dir, "missing", "out.safetensors");
    await assert.rejects(writeSafetensorsFile(missingDir, tensors), safetensorsError(/file not found: .*missing/));
    const path = join(dir, "model.safetensors");
    await writeSafetensorsFile(path, tensors);
    const before = await readFile(path);
    await assert.rejects(
      writeSafetensorsFile(path, { "": tensors["layers.0.bias"] }),
      safetensorsError(new RegExp(`^${path}: serializeSafetensors: tensor names must be non-empty`)),
    );
    assert.deepEqual(await readFile(path), before);
    const asDir = join(dir, "taken");
    await mkdir(asDir);
    await assert.rejects(writeSafetensorsFile(asDir, tensors), safetensorsError(/cannot write: /));
    assert.deepEqual((await readdir(dir)).sort(), ["model.safetensors", "taken"]);
  }));
