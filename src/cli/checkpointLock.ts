/** @file one writer per checkpoint directory: an exclusive lock file naming its owner's pid; a dead owner's lock is taken over */
import { randomBytes } from "node:crypto";
import { link, open, readFile, rename, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { processExists } from "../node.js";
import { CliError, EXIT } from "./command.js";
import { writeFailureReason } from "./outputs.js";

/** The lock file's name inside a checkpoint directory. */
export const LOCK_FILE = "checkpoint.lock";

/** A held lock; release() removes the lock file if it is still this process's. */
export interface DirectoryLock {
  readonly path: string;
  release(): Promise<void>;
}

interface Owner {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
}

function parseOwner(text: string): Owner | null {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== "object" || v === null || !("pid" in v) || !("host" in v) || !("token" in v)) return null;
    const { pid, host, token } = v;
    if (typeof pid !== "number" || !Number.isSafeInteger(pid) || pid <= 0 || typeof host !== "string" || typeof token !== "string") return null;
    return { pid, host, token };
  } catch {
    return null;
  }
}

const code = (e: unknown): unknown => (typeof e === "object" && e !== null && "code" in e ? e.code : undefined);

/**
 * Creates the lock file whole or not at all: the content goes to a temp file (writeFileAtomic's
 * naming, so a crash leaves nothing removeStaleTemps would miss) that is then hard-linked to the
 * lock's name — link(2) fails with EEXIST if the lock exists, atomically, even on NFS. Returns false
 * if the lock exists.
 */
async function create(path: string, content: string): Promise<boolean> {
  const temp = join(dirname(path), `.${LOCK_FILE}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx");
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
    return true;
  } catch (e) {
    if (code(e) === "EEXIST") return false;
    if (code(e) !== "EPERM" && code(e) !== "ENOTSUP" && code(e) !== "EXDEV") throw e;
    // a file system without hard links: exclusive create, which leaves a short window where the lock is empty
    try {
      const h = await open(path, "wx");
      try {
        await h.writeFile(content);
      } finally {
        await h.close();
      }
      return true;
    } catch (e2) {
      if (code(e2) === "EEXIST") return false;
      throw e2;
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/**
 * Moves a stale lock aside and deletes it, unless it changed since it was read (another process
 * took it over first): then it is put back, and the caller sees the new owner on its next try.
 */
async function removeStale(path: string, seen: string): Promise<void> {
  const aside = join(dirname(path), `.${LOCK_FILE}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await rename(path, aside);
  } catch {
    return; // gone already
  }
  const moved = await readFile(aside, "utf8").catch(() => "");
  if (moved !== seen) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

/**
 * Takes the exclusive lock of a checkpoint directory, or fails with exit 2 naming the process that
 * holds it. A lock whose process no longer exists on this host (kill -9, power loss) is stale and
 * taken over; a lock from another host cannot be checked and is refused.
 */
export async function lockCheckpointDirectory(dir: string): Promise<DirectoryLock> {
  const path = join(dir, LOCK_FILE);
  const me: Owner = { pid: process.pid, host: hostname(), token: randomBytes(8).toString("hex") };
  const content = `${JSON.stringify(me)}\n`;
  const busy = (why: string): never => {
    throw new CliError(`--checkpoint ${dir} is ${why} (lock file ${path}); wait for it to finish, or delete the lock file if no such run exists`, EXIT.usage);
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      if (await create(path, content)) {
        return {
          path,
          release: async () => {
            const now = await readFile(path, "utf8").catch(() => "");
            if (now === content) await unlink(path).catch(() => undefined);
          },
        };
      }
    } catch (e) {
      throw new CliError(`cannot lock --checkpoint ${dir}: ${writeFailureReason(e)}`, EXIT.usage);
    }
    const text = await readFile(path, "utf8").catch(() => null);
    if (text === null) continue; // released meanwhile: try again
    const owner = parseOwner(text);
    if (owner === null) busy("locked by a lock file this version cannot read");
    if (owner!.host !== me.host) busy(`in use by process ${owner!.pid} on host ${owner!.host}`);
    // our own pid in an old lock is a previous process that had the same pid (pid reuse)
    if (owner!.pid !== process.pid && processExists(owner!.pid)) busy(`in use by process ${owner!.pid}`);
    await removeStale(path, text);
  }
  return busy("contended by several processes at once");
}
