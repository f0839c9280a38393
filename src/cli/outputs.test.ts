/** @file output paths that would replace an input or a non-file are refused; values that would not survive their dtype are caught */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, linkSync, mkdirSync, mkdtempSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { test } from "node:test";
import { CliError, EXIT } from "./command.js";
import { checkOutputs, firstNonFinite, writeOutput } from "./outputs.js";

function fixture(): { dir: string; input: string } {
  const dir = mkdtempSync(join(tmpdir(), "outputs-"));
  const input = join(dir, "model.safetensors");
  writeFileSync(input, "model bytes");
  return { dir, input };
}

async function refused(outputs: string[], inputs: string[], pattern: RegExp): Promise<void> {
  await assert.rejects(checkOutputs(outputs, inputs), (e: unknown) => {
    assert.ok(e instanceof CliError, String(e));
    assert.equal(e.exitCode, EXIT.usage);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes("\n"));
    return true;
  });
}

test("an output that is an input is refused, however it is spelled", async () => {
  const { dir, input } = fixture();
  await refused([input], [input], /is also an input/);
  await refused([join(dir, ".", "sub", "..", "model.safetensors")], [input], /is also an input/);
  mkdirSync(join(dir, "sub"));
  await refused([relative(process.cwd(), input)], [input], /is also an input/);
  const hard = join(dir, "hard.safetensors");
  linkSync(input, hard);
  await refused([hard], [input], /is also an input/); // same inode, other name
  // the input named through a link, the output by its real name
  const alias = join(dir, "alias.safetensors");
  symlinkSync(input, alias);
  await refused([input], [alias], /is also an input/);
});

test("symbolic links, FIFOs, devices and directories are refused as outputs; new paths and regular files pass", async () => {
  const { dir, input } = fixture();
  const link = join(dir, "link.safetensors");
  symlinkSync(join(dir, "elsewhere.safetensors"), link); // dangling: rename would replace the link
  await refused([link], [input], /symbolic link/);
  const fifo = join(dir, "fifo");
  execFileSync("mkfifo", [fifo]);
  await refused([fifo], [input], /not a regular file \(a FIFO\)/);
  await refused(["/dev/null"], [input], /not a regular file \(a character device\)/);
  assert.ok(statSync("/dev/null").isCharacterDevice(), "/dev/null untouched");
  await refused([dir], [input], /is a directory/);
  await refused([join(dir, "no", "such", "x")], [input], /does not exist/);
  const other = join(dir, "old-output.safetensors");
  writeFileSync(other, "an earlier result");
  await checkOutputs([other, join(dir, "new.safetensors")], [input]);
  await refused([other, other], [input], /given twice/);
});

test("a read-only output directory is refused up front, and no probe file is left behind", async (t) => {
  const { dir, input } = fixture();
  const ro = join(dir, "ro");
  mkdirSync(ro);
  chmodSync(ro, 0o555);
  t.after(() => chmodSync(ro, 0o755));
  if (process.getuid?.() === 0) {
    // root writes through permission bits; a read-only mount (EROFS) needs privileges tests lack
    t.skip("running as root: permission bits do not stop writes");
    return;
  }
  await refused([join(ro, "out.safetensors")], [input], /not writable/);
  assert.deepEqual(readdirSync(ro), []);
});

test("the write check leaves no file behind in a writable directory", async () => {
  const { dir, input } = fixture();
  await checkOutputs([join(dir, "out.safetensors")], [input]);
  assert.deepEqual(readdirSync(dir).sort(), ["model.safetensors"]);
});

test("writeOutput turns a failed write into exit 1 with the path and the reason", async () => {
  const { dir } = fixture();
  const target = join(dir, "out.safetensors");
  const enospc = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
  await assert.rejects(
    writeOutput(target, [], () => Promise.reject(new Error("cannot write: x", { cause: enospc }))),
    (e: unknown) => e instanceof CliError && e.exitCode === EXIT.failure && e.message === `cannot write ${target}: no space left on device (ENOSPC)`,
  );
});

test("firstNonFinite checks values as the file's dtype will store them", () => {
  assert.equal(firstNonFinite(Float64Array.from([1, 3e38, -2]), "float32"), -1);
  assert.equal(firstNonFinite(Float64Array.from([1, 3.5e38, -2]), "float32"), 1); // overflows float32
  assert.equal(firstNonFinite(Float64Array.from([1, 3.5e38, -2]), "float64"), -1);
  assert.equal(firstNonFinite(Float64Array.from([0, NaN]), "float64"), 1);
  assert.equal(firstNonFinite(Float64Array.from([-Infinity]), "float64"), 0);
});
