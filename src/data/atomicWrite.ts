/** @file atomic file replacement: write a temp file beside the target, fsync, rename over it (Node only) */
import { randomBytes } from "node:crypto";
import { open, readdir, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Replaces the file at `path` with `bytes` so that readers see either the old content or the new,
 * never a mix: the bytes go to a uniquely named temp file in the same directory (rename is atomic only
 * within one file system), are fsynced, and the temp file is renamed over the target; the directory is
 * then fsynced where the platform allows, so the rename itself survives a crash. On any failure the
 * temp file is removed, the target is left as it was, and the original fs error is rethrown.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`); // see tempName
  let created = false;
  try {
    // "wx": fail rather than share a temp file should the random name ever collide
    const handle = await open(temp, "wx");
    created = true;
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    created = false;
  } catch (error) {
    if (created) await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}

/** fsyncs a directory so a rename in it is durable; not possible on every platform (Windows), so best effort. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // the new content is already in place; only durability across a power cut is not guaranteed
  }
}

/** The temp files writeFileAtomic makes for a target named `name`: `.NAME.PID.12HEX.tmp`. */
function tempName(name: string): RegExp {
  return new RegExp(`^\\.${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.(\\d+)\\.[0-9a-f]{12}\\.tmp$`);
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else); for stale-file checks. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return typeof e === "object" && e !== null && "code" in e && e.code === "EPERM";
  }
}

/**
 * Removes the temp files a killed writeFileAtomic left beside `path` (kill -9 between create and
 * rename): only names of exactly writeFileAtomic's pattern for this target, and only those whose
 * writer is gone — or, with `exclusive` (the caller holds a lock no other writer can share), all but
 * the caller's own. Returns the paths removed; a directory that cannot be listed removes nothing.
 */
export async function removeStaleTemps(path: string, options: { readonly exclusive?: boolean } = {}): Promise<string[]> {
  const dir = dirname(path);
  const pattern = tempName(basename(path));
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || (options.exclusive !== true && processExists(pid))) continue;
    const full = join(dir, name);
    try {
      await unlink(full);
      removed.push(full);
    } catch {
      // already gone (another cleaner) or not ours to remove: either way not in our way
    }
  }
  return removed;
}
