/** @file train's checkpoints: what they record about the run (flags, input fingerprints), writing them, and trusting nothing when resuming */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { checkpointPath, writeCheckpoint, type BatchSamplerState, type CheckpointValue, type TrainState } from "../node.js";
import { CliError, EXIT } from "./command.js";
import { writeFailureReason } from "./outputs.js";

/** The flags and input fingerprints a checkpoint must agree with to be resumed; null: not given. */
export type TrainConfig = Readonly<Record<string, string | number | null>>;

/** "sha256:<hex>" of a file's contents, streamed: resuming compares contents, not path spellings. */
export async function fileFingerprint(path: string): Promise<string> {
  const hash = createHash("sha256");
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (e) {
    throw new CliError(`cannot read ${path}: ${writeFailureReason(e)}`, EXIT.input);
  }
  return `sha256:${hash.digest("hex")}`;
}

/** Writes the checkpoint; a failed write is exit 1 naming the file (the previous checkpoint stays whole). */
export async function saveCheckpoint(dir: string, config: TrainConfig, state: TrainState<unknown, BatchSamplerState>): Promise<void> {
  try {
    await writeCheckpoint(dir, { config, state: state as unknown as CheckpointValue });
  } catch (e) {
    throw new CliError(`cannot write ${checkpointPath(dir)}: ${writeFailureReason(e)}; the previous checkpoint is intact`, EXIT.failure);
  }
}

function show(v: unknown): string {
  if (v === null) return "the default";
  if (typeof v === "string") return v.startsWith("sha256:") ? `contents sha256 ${v.slice(7, 19)}…` : v;
  return typeof v === "number" || typeof v === "boolean" ? String(v) : "a malformed value";
}

/**
 * The saved run's state, after checking that the checkpoint is one of train's and was written with
 * this run's flags and inputs (exit 2 naming the first difference otherwise).
 */
export function checkResumable(saved: CheckpointValue, config: TrainConfig, path: string): TrainState<unknown, BatchSamplerState> {
  if (typeof saved !== "object" || saved === null || Array.isArray(saved) || ArrayBuffer.isView(saved) || !("config" in saved) || !("state" in saved)) {
    throw new CliError(`${path}: not a train checkpoint`, EXIT.input);
  }
  const old = saved.config;
  if (typeof old !== "object" || old === null || Array.isArray(old) || ArrayBuffer.isView(old)) throw new CliError(`${path}: not a train checkpoint`, EXIT.input);
  for (const [key, value] of Object.entries(config)) {
    const before = (old as Record<string, unknown>)[key];
    if (before !== value) {
      throw new CliError(`${path} was written with ${key} = ${show(before)}, this run has ${show(value)}: resume with the same flags and files`, EXIT.usage);
    }
  }
  return saved.state as unknown as TrainState<unknown, BatchSamplerState>;
}
