/** @file atomic file replacement: write a temp file beside the target, fsync, rename over it (Node only) */
import { randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
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
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
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
