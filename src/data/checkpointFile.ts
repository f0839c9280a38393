/** @file checkpoint files on disk: written atomically, read with errors naming the path (Node only) */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "./atomicWrite.js";
import { decodeCheckpoint, encodeCheckpoint, type CheckpointValue } from "./checkpoint.js";
import { SafetensorsError } from "./safetensors.js";

/** The checkpoint file inside a checkpoint directory. */
export function checkpointPath(dir: string): string {
  return join(dir, "checkpoint.safetensors");
}

/**
 * Writes the state to DIR/checkpoint.safetensors atomically (temp file, fsync, rename): after a crash
 * at any moment — kill -9 included — the file holds either the previous checkpoint or this one, whole.
 */
export async function writeCheckpoint(dir: string, state: CheckpointValue): Promise<void> {
  await writeFileAtomic(checkpointPath(dir), encodeCheckpoint(state));
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
  return decodeCheckpoint(bytes, path);
}
