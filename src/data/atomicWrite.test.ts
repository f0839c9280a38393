import { test } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeStaleTemps, writeFileAtomic } from "./atomicWrite.js";

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "hessian-lab-atomic-"));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

void test("creates a new file, then overwrite replaces its content, leaving no temp files", () =>
  withDir(async (dir) => {
    const target = join(dir, "model.safetensors");
    await writeFileAtomic(target, bytes("first version"));
    assert.equal(await readFile(target, "utf8"), "first version");
    await writeFileAtomic(target, bytes("v2"));
    assert.equal(await readFile(target, "utf8"), "v2");
    await writeFileAtomic(target, new Uint8Array(0));
    assert.equal((await readFile(target)).length, 0);
    assert.deepEqual(await readdir(dir), ["model.safetensors"]);
  }));

void test("writes a subarray view exactly, not its whole backing buffer", () =>
  withDir(async (dir) => {
    const target = join(dir, "view.bin");
    await writeFileAtomic(target, bytes("xxHELLOyy").subarray(2, 7));
    assert.equal(await readFile(target, "utf8"), "HELLO");
  }));

void test("a missing target directory is an ENOENT error and creates nothing", () =>
  withDir(async (dir) => {
    await assert.rejects(writeFileAtomic(join(dir, "missing", "out.bin"), bytes("x")), { code: "ENOENT" });
    assert.deepEqual(await readdir(dir), []);
  }));

void test("a failed rename (target is a directory) removes the temp file and leaves the target intact", () =>
  withDir(async (dir) => {
    const target = join(dir, "out");
    await mkdir(target);
    await writeFile(join(target, "keep.txt"), "kept");
    await assert.rejects(writeFileAtomic(target, bytes("new content")));
    assert.deepEqual(await readdir(dir), ["out"]);
    assert.equal(await readFile(join(target, "keep.txt"), "utf8"), "kept");
  }));

void test("an unwritable directory is an error and the old target content survives", { skip: process.getuid?.() === 0 ? "root ignores permissions" : false }, () =>
  withDir(async (dir) => {
    const sub = join(dir, "ro");
    await mkdir(sub);
    const target = join(sub, "out.bin");
    await writeFile(target, "old");
    await chmod(sub, 0o500);
    try {
      await assert.rejects(writeFileAtomic(target, bytes("new")), { code: "EACCES" });
      assert.equal(await readFile(target, "utf8"), "old");
      assert.deepEqual(await readdir(sub), ["out.bin"]);
    } finally {
      await chmod(sub, 0o700);
    }
  }));

void test("concurrent writers to one target end with one writer's whole content, and no temp files", () =>
  withDir(async (dir) => {
    const target = join(dir, "shared.bin");
    const versions = Array.from({ length: 20 }, (_, i) => `version ${i} `.repeat(1000 + i));
    await Promise.all(versions.map((v) => writeFileAtomic(target, bytes(v))));
    assert.ok(versions.includes(await readFile(target, "utf8")));
    assert.deepEqual(await readdir(dir), ["shared.bin"]);
  }));

void test("removeStaleTemps removes only this target's temp files whose writer is gone", () =>
  withDir(async (dir) => {
    const target = join(dir, "checkpoint.safetensors");
    const dead = 2 ** 22 + 12345; // above Linux's default pid_max: no such process
    const names = [
      `.checkpoint.safetensors.${dead}.0123456789ab.tmp`, // ours, writer gone: removed
      `.checkpoint.safetensors.${process.pid}.0123456789ab.tmp`, // ours, writer alive: kept
      `.checkpoint.safetensors.${dead}.0123456789ab.tmp.keep`, // not our naming
      `.other.safetensors.${dead}.0123456789ab.tmp`, // another target's
      "checkpoint.safetensors",
    ];
    for (const n of names) await writeFile(join(dir, n), "x");
    const removed = await removeStaleTemps(target);
    assert.deepEqual(removed, [join(dir, names[0]!)]);
    assert.deepEqual((await readdir(dir)).sort(), names.slice(1).sort());
    // under an exclusive lock every temp of the target but the caller's own is stale, pid reuse or not
    await writeFile(join(dir, names[0]!), "x");
    await writeFile(join(dir, `.checkpoint.safetensors.1.abcdefabcdef.tmp`), "x");
    assert.equal((await removeStaleTemps(target, { exclusive: true })).length, 2);
    assert.ok((await readdir(dir)).includes(names[1]!));
  }));
