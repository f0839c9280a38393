/** @file checkpoints round-trip any state tree bit for bit, and reject what is not one */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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
  assert.throws(() => decodeCheckpoint(readFileSync(checkpointPath(dir))), /not valid JSON/);
  await assert.rejects(readCheckpoint(dir), /no checksum/); // files on disk must carry one
  writeFileSync(checkpointPath(dir), Buffer.from("garbage"));
  await assert.rejects(readCheckpoint(dir), SafetensorsError);
});

test("checkpoint mutants: every bit flip, truncation or byte change of a written checkpoint is rejected, never decoded (checksum)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ckpt-"));
  const state = { iteration: 3, params: Float64Array.from({ length: 40 }, (_, i) => Math.sin(i)), order: Int32Array.from([2, 0, 1]), note: "x" };
  await writeCheckpoint(dir, state);
  const good = readFileSync(checkpointPath(dir));
  const rng = fc.sample(fc.nat({ max: good.length * 8 - 1 }), { numRuns: 250, seed: 7 });
  const mutants: Buffer[] = rng.map((bit) => {
    const b = Buffer.from(good);
    b[bit >> 3]! ^= 1 << (bit & 7);
    return b;
  });
  for (const cut of [1, 9, good.length >> 1, good.length - 1]) mutants.push(good.subarray(0, cut));
  const extra = Buffer.concat([good, Buffer.from([0])]);
  mutants.push(extra);
  let rejected = 0;
  for (const m of mutants) {
    writeFileSync(checkpointPath(dir), m);
    await assert.rejects(readCheckpoint(dir), (e: unknown) => e instanceof SafetensorsError && e.message.includes(checkpointPath(dir)));
    rejected++;
  }
  assert.equal(rejected, mutants.length);
  writeFileSync(checkpointPath(dir), good);
  assert.ok(same((await readCheckpoint(dir)), state), "the original still reads");
});

test("a structure nested deeper than the limit is rejected cleanly, not by stack overflow", () => {
  let deep = "0";
  for (let i = 0; i < 100_000; i++) deep = `[${deep}]`;
  const bytes = serializeSafetensors(new Map(), { hessian_lab_checkpoint: `{"format":1,"state":${deep}}` });
  assert.throws(() => decodeCheckpoint(bytes), (e: unknown) => e instanceof SafetensorsError && /nested deeper than/.test(e.message));
});
