/** @file the file contracts' header caps: oversized or over-populated headers are refused fast, naming the file */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { SafetensorsError } from "../data/safetensors.js";
import { CONTRACT_LIMITS, readData, readModel } from "./modelFile.js";

/** A safetensors file whose header is the given JSON text (no tensor data). */
function fileWithHeader(path: string, header: string): void {
  const text = new TextEncoder().encode(header);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setUint32(0, text.length, true);
  writeFileSync(path, Buffer.concat([prefix, text]));
}

/** n zero-size F32 tensors: the shape of the red team's 1.67 M-entry header, smaller. */
function emptyEntries(n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
  return `{${parts.join(",")}}`;
}

const dir = mkdtempSync(join(tmpdir(), "hl-limits-"));

test(`more than ${CONTRACT_LIMITS.maxTensors} tensors: refused with the count, the limit and the file, in well under a second`, async () => {
  const path = join(dir, "many.safetensors");
  fileWithHeader(path, emptyEntries(CONTRACT_LIMITS.maxTensors + 1));
  const t0 = performance.now();
  await assert.rejects(readModel(path), (e: unknown) => e instanceof SafetensorsError && e.message.includes(path) && /4097 tensors exceed the limit of 4096/.test(e.message));
  assert.ok(performance.now() - t0 < 1000);
});

test("a header past 1 MiB: refused from its length prefix alone, before it is decoded", async () => {
  const path = join(dir, "big.safetensors");
  const header = emptyEntries(20_000); // ~1.2 MB of JSON
  assert.ok(header.length > CONTRACT_LIMITS.maxHeaderBytes);
  fileWithHeader(path, header);
  const t0 = performance.now();
  await assert.rejects(readData(path), (e: unknown) => e instanceof SafetensorsError && e.message.includes(path) && /exceeds the limit of 1048576 bytes/.test(e.message));
  assert.ok(performance.now() - t0 < 1000);
});
