/** @file checkpoint files on disk: written atomically, read with errors naming the path (Node only) */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "./atomicWrite.js";
import { decodeCheckpoint, encodeCheckpoint, type CheckpointValue, type Digest } from "./checkpoint.js";
import { SafetensorsError } from "./safetensors.js";

/** SHA-256 over the parts, in hex: the checksum every checkpoint file carries. */
const sha256: Digest = (parts) => {
  const hash = createHash("sha256");
  for (const p of parts) hash.update(p);
  return hash.digest("hex");
};

/** The checkpoint file inside a checkpoint directory. */
export function checkpointPath(dir: string): string {
  return join(dir, "checkpoint.safetensors");
}

/**
 * Writes the state to DIR/checkpoint.safetensors atomically (temp file, fsync, rename): after a crash
 * at any moment — kill -9 included — the file holds either the previous checkpoint or this one, whole.
 * The file carries a SHA-256 of its contents, checked by readCheckpoint.
 */
export async function writeCheckpoint(dir: string, state: CheckpointValue): Promise<void> {
  await writeFileAtomic(checkpointPath(dir), encodeCheckpoint(state, sha256));
}

/** Reads DIR/checkpoint.safetensors, or returns null if there is none yet. */
export async function readCheckpoint(dir: string): Promise<CheckpointValue | null> {
  const path = checkpointPath(dir);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if (typeof e === "object" && e !== null && "code" in e && e.code === "ENOENT") return null;
    throw new SafetensorsError(`cannot read checkpoint ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return decodeCheckpoint(bytes, path, sha256);
}
