/** @file checkpoints round-trip any state tree bit for bit, and reject what is not one */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { decodeCheckpoint, encodeCheckpoint, type CheckpointValue } from "./checkpoint.js";
import { checkpointPath, readCheckpoint, writeCheckpoint } from "./checkpointFile.js";
import { SafetensorsError, serializeSafetensors } from "./safetensors.js";

const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(), // includes NaN, ±Infinity, −0
  fc.string(),
  fc.float64Array({ maxLength: 20 }),
  fc.float32Array({ maxLength: 20 }),
  fc.int32Array({ maxLength: 20 }),
);
const tree = fc.letrec<{ node: CheckpointValue }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("node"), { maxLength: 4 }),
    fc.dictionary(fc.string(), tie("node"), { maxKeys: 4 }),
  ),
})).node;

/** Structural equality that tells NaN from NaN-with-payload no further than Object.is, and −0 from 0. */
function same(a: CheckpointValue, b: CheckpointValue): boolean {
  if (typeof a === "number" || typeof b === "number") return Object.is(a, b);
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor) return false;
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => k in b && same((a as Record<string, CheckpointValue>)[k]!, (b as Record<string, CheckpointValue>)[k]!));
}

test("any state tree round-trips bit for bit (property)", () => {
  fc.assert(fc.property(tree, (state) => same(decodeCheckpoint(encodeCheckpoint(state)), state)), { numRuns: 300 });
});

test("a training-like state survives the file round trip", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ckpt-"));
  assert.equal(await readCheckpoint(dir), null, "no checkpoint yet");
  const state = { iteration: 7, params: Float64Array.from([0.1, -2.5e-300, Math.PI]), rng: { words: [1, 2, 3, 4], spareNormal: null }, order: Int32Array.from([3, 1, 2]) };
  await writeCheckpoint(dir, state);
  assert.ok(same((await readCheckpoint(dir)), state));
});

test("files that are not checkpoints are rejected with a clear error", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ckpt-"));
  writeFileSync(checkpointPath(dir), serializeSafetensors(new Map(), { other: "x" }));
  await assert.rejects(readCheckpoint(dir), (e: unknown) => e instanceof SafetensorsError && /not a hessian-lab checkpoint/.test(e.message));
  writeFileSync(checkpointPath(dir), serializeSafetensors(new Map(), { hessian_lab_checkpoint: "{oops" }));
  await assert.rejects(readCheckpoint(dir), /not valid JSON/);
  writeFileSync(checkpointPath(dir), Buffer.from("garbage"));
  await assert.rejects(readCheckpoint(dir), SafetensorsError);
});
