/** @file output paths: refused before any work if writing them would destroy an input or replace a non-file; written with errors that name them */
import { randomBytes } from "node:crypto";
import { lstat, open, stat, unlink } from "node:fs/promises";
import type { Stats } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { removeStaleTemps, type DType } from "../node.js";
import { CliError, EXIT } from "./command.js";

/** The errno code of an fs error, looking through `cause` (our wrappers keep the original there). */
function errorCode(e: unknown): string | undefined {
  for (let x = e, depth = 0; typeof x === "object" && x !== null && depth < 8; depth++) {
    if ("code" in x && typeof x.code === "string") return x.code;
    x = "cause" in x ? x.cause : undefined;
  }
  return undefined;
}

const REASONS: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EIO: "input/output error",
  ENOENT: "its directory no longer exists",
  ENOTDIR: "a parent is not a directory",
  EISDIR: "it is a directory",
};

/** A failed write's reason in a few words: "no space left on device (ENOSPC)". */
export function writeFailureReason(e: unknown): string {
  const code = errorCode(e);
  if (code !== undefined && code in REASONS) return `${REASONS[code]} (${code})`;
  const message = e instanceof Error ? e.message : String(e);
  return message.split("\n")[0]!.slice(0, 200);
}

function kind(s: Stats): string {
  if (s.isFIFO()) return "a FIFO";
  if (s.isCharacterDevice()) return "a character device";
  if (s.isBlockDevice()) return "a block device";
  if (s.isSocket()) return "a socket";
  return "not a file";
}

/** `dev:ino` of each input that exists (links followed), to recognise an input under any name. */
async function inputIdentities(inputs: readonly string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const path of inputs) {
    try {
      const s = await stat(path);
      ids.set(`${s.dev}:${s.ino}`, path);
    } catch {
      // a missing input is reported by whoever reads it
    }
  }
  return ids;
}

/**
 * Checks one output path: a new name in an existing directory, or an existing regular file that is
 * none of the inputs. Symbolic links are refused: the atomic rename would replace the link itself.
 */
async function checkPath(out: string, ids: ReadonlyMap<string, string>): Promise<void> {
  const refuse = (problem: string): never => {
    throw new CliError(`cannot write ${out}: ${problem}`, EXIT.usage);
  };
  let info: Stats | null = null;
  try {
    info = await lstat(out);
  } catch (e) {
    if (errorCode(e) !== "ENOENT") refuse(writeFailureReason(e));
  }
  if (info === null) {
    const dir = dirname(resolve(out));
    const d = await stat(dir).catch(() => null);
    if (d === null || !d.isDirectory()) refuse(`directory ${dir} does not exist`);
    return;
  }
  if (info.isSymbolicLink()) refuse("it is a symbolic link (writing would replace the link, not its target); give the target's path");
  if (info.isDirectory()) refuse("it is a directory");
  if (!info.isFile()) refuse(`it is not a regular file (${kind(info)}); only regular files are replaced`);
  const input = ids.get(`${info.dev}:${info.ino}`);
  if (input !== undefined) refuse(`it is also an input (${input}); writing it would destroy that input`);
}

/**
 * Creates, writes and removes a small temp file of writeFileAtomic's naming in `dir`, so that a
 * read-only, full or unwritable directory fails now rather than after the work (access(2) misses
 * a full disk, and root passes it everywhere).
 */
async function probeDirectory(dir: string, target: string, label: string): Promise<void> {
  const probe = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let created = false;
  try {
    const handle = await open(probe, "wx");
    created = true;
    try {
      await handle.writeFile(new Uint8Array(4096));
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (e) {
    throw new CliError(`cannot write ${label}: directory ${dir} is not writable: ${writeFailureReason(e)}`, EXIT.usage);
  } finally {
    if (created) await unlink(probe).catch(() => undefined);
  }
}

/**
 * Fails now (exit 2), before any work, unless every output can be written without harm: each is a
 * new path in an existing, writable directory or an existing regular file; none is a symbolic
 * link, FIFO, device or directory; none is one of `inputs` (same device and inode, so hard links,
 * symlinked inputs and any spelling of a path count); no path is given twice. Stale temp files a
 * killed earlier write left beside an output are removed.
 */
export async function checkOutputs(outputs: readonly string[], inputs: readonly string[]): Promise<void> {
  const ids = await inputIdentities(inputs);
  const seen = new Set<string>();
  for (const out of outputs) {
    const full = resolve(out);
    if (seen.has(full)) throw new CliError(`cannot write ${out}: the path is given twice`, EXIT.usage);
    seen.add(full);
    await checkPath(out, ids);
    await probeDirectory(dirname(full), full, out);
    await removeStaleTemps(full);
  }
}

/** Checks a directory that will receive files (a checkpoint directory) as checkOutputs checks an output's. */
export async function checkWritableDirectory(dir: string, fileName: string, flag: string): Promise<void> {
  const s = await stat(dir).catch(() => null);
  if (s === null || !s.isDirectory()) throw new CliError(`${flag} ${dir}: not an existing directory`, EXIT.usage);
  await probeDirectory(dir, join(dir, fileName), `${flag} ${dir}`);
}

/**
 * Runs `write` for an output checked by checkOutputs, checking the path again first (it may have
 * changed while the work ran). A failed write is exit 1 (the computation's result is lost), with
 * the path and the reason; writes are atomic, so the old file is intact.
 */
export async function writeOutput(out: string, inputs: readonly string[], write: () => Promise<void>): Promise<void> {
  await checkPath(out, await inputIdentities(inputs));
  try {
    await write();
  } catch (e) {
    throw new CliError(`cannot write ${out}: ${writeFailureReason(e)}`, EXIT.failure);
  }
}

/**
 * The index of the first value that is not finite once stored as `dtype` (float32 overflows above
 * ~3.4·10³⁸), or −1. What a file would hold, not what memory holds, decides.
 */
export function firstNonFinite(values: ArrayLike<number>, dtype: DType): number {
  for (let i = 0; i < values.length; i++) {
    const v = dtype === "float32" ? Math.fround(values[i]!) : values[i]!;
    if (!Number.isFinite(v)) return i;
  }
  return -1;
}

/** Throws exit 1 naming `what` if `values` would not be finite in a `dtype` file: nothing non-finite is written. */
export function requireFinite(values: ArrayLike<number>, dtype: DType, what: string): void {
  const i = firstNonFinite(values, dtype);
  if (i < 0) return;
  const stored = dtype === "float32" ? Math.fround(values[i]!) : values[i]!;
  throw new CliError(`${what} is not finite in ${dtype} (entry ${i} is ${values[i]}, stored as ${stored}); nothing written`, EXIT.failure);
}
