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

/** What a restored state must match: this run's sizes, and a fresh optimizer state as the template of its shape. */
export interface StateExpectations {
  readonly parameters: number;
  readonly cases: number;
  readonly seed: number;
  /** A fresh sampler's state: n, batch size and flags must be the same. */
  readonly sampler: BatchSamplerState;
  /** transform.init(θ): the restored optimizer state must have its keys, tuple lengths and leaf types. */
  readonly optimizerTemplate: unknown;
}

const MAX_ITERATIONS = 1e9;
/** Arrays that start empty and grow (L-BFGS pairs, K-FAC per-layer factors) hold at most this many entries. */
const MAX_GROWN = 4096;

/**
 * Checks every field of a restored TrainState against what this run would write: types, ranges,
 * lengths (θ has p entries, the history one record per iteration, the permutation is one of
 * 0..N−1), finite values, and the optimizer state's shape against a fresh one. Any difference is
 * exit 3 naming the file: a checkpoint that passes cannot hang, crash or resume to NaN.
 */
export function validateState(state: unknown, expect: StateExpectations, path: string): TrainState<unknown, BatchSamplerState> {
  const bad = (where: string, problem: string): never => {
    throw new CliError(`${path}: corrupted train checkpoint: ${where} ${problem}`, EXIT.input);
  };
  const record = (v: unknown, where: string): Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) ? (v as Record<string, unknown>) : bad(where, "is not a record");
  const int = (v: unknown, where: string, min: number, max: number): number =>
    typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max ? v : bad(where, `is not an integer in [${min}, ${max}]`);
  const finite = (v: unknown, where: string, min = -Infinity): number =>
    typeof v === "number" && Number.isFinite(v) && v >= min ? v : bad(where, `is not a finite number${min === 0 ? " ≥ 0" : ""}`);
  const s = record(state, "the state");
  const iteration = int(s.iteration, "iteration", 0, MAX_ITERATIONS);
  int(s.examplesSeen, "examplesSeen", 0, Number.MAX_SAFE_INTEGER);
  finite(s.seconds, "seconds", 0);
  if (s.seed !== expect.seed) bad("seed", `is not this run's seed ${expect.seed}`);
  const params = s.params;
  if (!(params instanceof Float64Array) || params.length !== expect.parameters) bad("params", `is not ${expect.parameters} float64 values`);
  if (!(params as Float64Array).every(Number.isFinite)) bad("params", "holds NaN or ±Inf");
  // sampler: what BatchSampler.setState assumes, checked here so a bad one is a file error, not a crash
  const sm = record(s.sampler, "sampler");
  const fresh = expect.sampler;
  if (sm.n !== fresh.n || sm.batchSize !== fresh.batchSize || sm.shuffle !== fresh.shuffle || sm.dropLast !== fresh.dropLast) {
    bad("sampler", `is not for ${fresh.n} cases in batches of ${fresh.batchSize} (shuffle ${fresh.shuffle}, dropLast ${fresh.dropLast})`);
  }
  int(sm.epoch, "sampler.epoch", 0, MAX_ITERATIONS);
  int(sm.position, "sampler.position", 0, expect.cases);
  const perm = sm.permutation;
  if (!Array.isArray(perm) || perm.length !== expect.cases) bad("sampler.permutation", `is not ${expect.cases} indices`);
  const seen = new Uint8Array(expect.cases);
  for (const i of perm as unknown[]) {
    if (typeof i !== "number" || !Number.isInteger(i) || i < 0 || i >= expect.cases || seen[i] === 1) bad("sampler.permutation", "is not a permutation");
    seen[i as number] = 1;
  }
  const rng = record(sm.rng, "sampler.rng");
  if (!Array.isArray(rng.words) || rng.words.length !== 4) bad("sampler.rng.words", "are not 4 words");
  // the generator keeps signed or unsigned 32-bit words (setState takes them modulo 2³²)
  (rng.words as unknown[]).forEach((w, i) => int(w, `sampler.rng.words[${i}]`, -(2 ** 31), 2 ** 32 - 1));
  if (rng.spareNormal !== null) finite(rng.spareNormal, "sampler.rng.spareNormal");
  const history = s.history;
  if (!Array.isArray(history) || history.length !== iteration) bad("history", `does not hold one record per iteration (${iteration})`);
  (history as unknown[]).forEach((h, i) => {
    const r = record(h, `history[${i}]`);
    if (r.iteration !== i + 1) bad(`history[${i}].iteration`, `is not ${i + 1}`);
    finite(r.seconds, `history[${i}].seconds`, 0);
    finite(r.epoch, `history[${i}].epoch`, 0);
    finite(r.loss, `history[${i}].loss`);
    for (const k of ["stepNorm", "trainLoss", "testLoss"]) if (r[k] !== undefined) finite(r[k], `history[${i}].${k}`);
    for (const [k, v] of Object.entries(record(r.info, `history[${i}].info`))) {
      if (typeof v !== "number" && typeof v !== "string" && typeof v !== "boolean") bad(`history[${i}].info.${k}`, "is not a number, string or boolean");
    }
  });
  matchTemplate(s.optimizer, expect.optimizerTemplate, "optimizer", expect.parameters, bad, 0);
  return state as TrainState<unknown, BatchSamplerState>;
}

/**
 * The restored optimizer state has the template's shape: the same record keys, tuple lengths and
 * leaf types; typed arrays finite and, where the template has one, of its length; numbers not NaN
 * wherever the template's are not (a fresh HF record holds NaN for "none yet"); arrays the template
 * starts empty bounded in length, their entries finite arrays of at most p² values or records of them.
 */
function matchTemplate(v: unknown, t: unknown, where: string, p: number, bad: (w: string, problem: string) => never, depth: number): void {
  if (depth > 16) bad(where, "is nested too deeply");
  if (t instanceof Float64Array || t instanceof Float32Array) {
    if (!(v instanceof t.constructor) || (v as Float64Array).length !== t.length) bad(where, `is not ${t.length} values`);
    if (!(v as Float64Array).every(Number.isFinite)) bad(where, "holds NaN or ±Inf");
    return;
  }
  if (typeof t === "number") {
    if (typeof v !== "number") bad(where, "is not a number");
    // ±∞ is a state some optimizers reach (Newton's λ after rejected trials); NaN where a fresh state has a number is not
    if (!Number.isNaN(t) && Number.isNaN(v)) bad(where, "is NaN");
    return;
  }
  if (typeof t === "string" || typeof t === "boolean" || t === null) {
    if (typeof v !== typeof t || (t === null && v !== null)) bad(where, `is not a ${t === null ? "null" : typeof t}`);
    return;
  }
  if (Array.isArray(t)) {
    if (!Array.isArray(v)) bad(where, "is not an array");
    const a = v as unknown[];
    if (t.length > 0) {
      if (a.length !== t.length) bad(where, `does not hold ${t.length} entries`);
      a.forEach((x, i) => matchTemplate(x, t[i], `${where}[${i}]`, p, bad, depth + 1));
    } else {
      if (a.length > MAX_GROWN) bad(where, `holds more than ${MAX_GROWN} entries`);
      a.forEach((x, i) => grownEntry(x, `${where}[${i}]`, p, bad, depth + 1));
    }
    return;
  }
  if (typeof t !== "object" || typeof v !== "object" || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) return bad(where, "is not a record");
  const tk = Object.keys(t).sort();
  const vk = Object.keys(v).sort();
  if (tk.join("\u0000") !== vk.join("\u0000")) bad(where, `has keys ${vk.join(", ") || "(none)"}, expected ${tk.join(", ") || "(none)"}`);
  for (const k of tk) matchTemplate((v as Record<string, unknown>)[k], (t as Record<string, unknown>)[k], `${where}.${k}`, p, bad, depth + 1);
}

function grownEntry(v: unknown, where: string, p: number, bad: (w: string, problem: string) => never, depth: number): void {
  if (depth > 16) bad(where, "is nested too deeply");
  if (v instanceof Float64Array || v instanceof Float32Array) {
    if (v.length > Math.max(p * p, p)) bad(where, "is longer than any state array");
    if (!v.every(Number.isFinite)) bad(where, "holds NaN or ±Inf");
    return;
  }
  if (typeof v !== "object" || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) bad(where, "is not an array of numbers or a record of them");
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) grownEntry(x, `${where}.${k}`, p, bad, depth + 1);
}
