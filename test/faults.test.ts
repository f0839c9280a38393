/** @file the binary under faults: outputs never replace inputs or non-files, non-finite results are never written, one writer per checkpoint, full and read-only disks */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { checkpointPath, readCheckpoint, writeVector } from "../src/node.js";
import { runCli, smallProblem, tempDir, type CliRun } from "./cliHelpers.js";

const MAIN = join(import.meta.dirname, "../src/cli/main.ts");

/** One line on stderr, nothing on stdout: how every failure looks. */
function failsCleanly(r: CliRun, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, r.stderr);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  assert.equal(r.stdout, "");
}

const trainSmall = (p: { model: string; data: string }, extra: string[]): string[] => [
  "train", "--model", p.model, "--data", p.data, "--batch-size", "4", "--dtype", "float64", "--quiet", ...extra,
];

describe("outputs never replace an input or a non-file (exit 2, inputs intact)", () => {
  // the other spellings (hard links, FIFOs, dangling links, ../ paths) are outputs.test.ts's, without a process each
  test("hvp --out the model, a symlink to it, /dev/null", async () => {
    const dir = tempDir();
    const p = await smallProblem(dir);
    const before = readFileSync(p.model);
    const hvp = (out: string): CliRun => runCli(["hvp", "--model", p.model, "--data", p.data, "--vector", p.model, "--curvature", "ggn", "--out", out]);
    failsCleanly(hvp(p.model), 2, /is also an input/);
    spawnSync("ln", ["-s", p.model, join(dir, "link.safetensors")]);
    failsCleanly(hvp(join(dir, "link.safetensors")), 2, /symbolic link/);
    failsCleanly(hvp("/dev/null"), 2, /not a regular file \(a character device\)/);
    assert.ok(statSync("/dev/null").isCharacterDevice());
    assert.ok(readFileSync(p.model).equals(before), "the model is untouched");
  });

  test("train --out the data file (spelled ./relative where the input is absolute), or the checkpoint file", async () => {
    const dir = tempDir();
    const p = await smallProblem(dir);
    const before = readFileSync(p.data);
    const r = runCli(trainSmall(p, ["--optimizer", "sgd", "--max-iter", "1", "--out", `./${relative(process.cwd(), p.data)}`]));
    failsCleanly(r, 2, /is also an input \(.*data\.safetensors\)/);
    assert.ok(readFileSync(p.data).equals(before));
    const ckpt = join(dir, "ckpt");
    mkdirSync(ckpt);
    failsCleanly(runCli(trainSmall(p, ["--optimizer", "sgd", "--max-iter", "1", "--checkpoint", ckpt, "--out", checkpointPath(ckpt)])), 2, /checkpoint/);
  });
});

describe("non-finite results are never written (exit 1, no --out, the checkpoint keeps the last finite state)", () => {
  test("float32 training whose parameters overflow float32 (finite in float64)", async () => {
    const dir = tempDir();
    const p = await smallProblem(dir);
    const ckpt = join(dir, "ckpt");
    mkdirSync(ckpt);
    const out = join(dir, "m.safetensors");
    const r = runCli([...trainSmall(p, ["--optimizer", "sgd", "--lr", "1e300", "--max-iter", "20", "--checkpoint", ckpt, "--out", out]), "--dtype", "float32"]);
    failsCleanly(r, 1, /non-finite.*float32/);
    assert.ok(!existsSync(out), "no --out");
    const saved = (await readCheckpoint(ckpt)) as { state: { params: Float64Array; history: { loss: number; trainLoss?: number }[] } } | null;
    assert.ok(saved !== null);
    assert.ok(saved.state.params.every((x) => Number.isFinite(Math.fround(x))), "the checkpoint's parameters are finite as float32");
    for (const h of saved.state.history) assert.ok(Number.isFinite(h.loss) && (h.trainLoss === undefined || Number.isFinite(h.trainLoss)));
  });

  test("float64 training that diverges to ±Inf", async () => {
    const dir = tempDir();
    const p = await smallProblem(dir);
    const out = join(dir, "m.safetensors");
    failsCleanly(runCli(trainSmall(p, ["--optimizer", "sgd", "--lr", "1e307", "--max-iter", "200", "--eval-every", "1", "--out", out])), 1, /non-finite/);
    assert.ok(!existsSync(out));
  });

  test("hvp --dtype float32 whose product overflows float32", async () => {
    const dir = tempDir();
    const p = await smallProblem(dir);
    const vf = join(dir, "v.safetensors");
    await writeVector(vf, p.net, new Float64Array(p.theta.length).fill(3e38), "float64");
    const out = join(dir, "hv.safetensors");
    failsCleanly(runCli(["hvp", "--model", p.model, "--data", p.data, "--vector", vf, "--curvature", "ggn", "--dtype", "float32", "--out", out]), 1, /not finite in float32/);
    assert.ok(!existsSync(out));
  });
});

/** Starts a long train on `ckpt` and resolves once it holds the lock. */
async function holdLock(p: { model: string; data: string }, ckpt: string): Promise<{ stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...trainSmall(p, ["--optimizer", "sgd", "--max-iter", "100000000", "--checkpoint", ckpt, "--checkpoint-every", "1000"])], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const start = Date.now();
  while (!existsSync(join(ckpt, "checkpoint.lock"))) {
    if (Date.now() - start > 60_000) throw new Error("no lock file");
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    stop: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

describe("one writer per checkpoint directory", () => {
  test("a second train on a locked directory is refused with exit 2; a dead owner's lock is taken over", async () => {
    const dir = tempDir();
    const p = await smallProblem(dir);
    const ckpt = join(dir, "ckpt");
    mkdirSync(ckpt);
    const first = await holdLock(p, ckpt);
    try {
      const owner = (JSON.parse(readFileSync(join(ckpt, "checkpoint.lock"), "utf8")) as { pid: number }).pid;
      const r = runCli(trainSmall(p, ["--optimizer", "sgd", "--max-iter", "1", "--checkpoint", ckpt, "--resume"]));
      failsCleanly(r, 2, new RegExp(`in use by process ${owner}`));
    } finally {
      await first.stop(); // kill -9: the lock stays behind, its pid gone
    }
    assert.ok(existsSync(join(ckpt, "checkpoint.lock")));
    const r = runCli(trainSmall(p, ["--optimizer", "sgd", "--max-iter", "1", "--checkpoint", ckpt]));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!existsSync(join(ckpt, "checkpoint.lock")), "released at the end");
  });

  test("stale temp files of our naming are removed at start; a refusal names no internal placeholder", async () => {
    const dir = tempDir();
    const p = await smallProblem(dir);
    const stale = `.checkpoint.safetensors.${2 ** 22 + 7}.00112233aabb.tmp`;
    writeFileSync(join(dir, stale), new Uint8Array(1024));
    writeFileSync(join(dir, "unrelated.tmp"), "keep");
    assert.equal(runCli(trainSmall(p, ["--optimizer", "sgd", "--lr", "0.1", "--max-iter", "1", "--checkpoint", dir])).code, 0);
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith(".tmp")), ["unrelated.tmp"]);
    const r = runCli(trainSmall(p, ["--optimizer", "sgd", "--max-iter", "2", "--checkpoint", dir, "--resume"]));
    failsCleanly(r, 2, /lr = 0\.1, this run has the default/);
    assert.doesNotMatch(r.stderr, /-1/);
  });
});

/** A tmpfs of `kib` KiB (read-only with `ro`), unmounted after the test; null where mounting is not allowed. */
function tmpfs(t: TestContext, kib: number, ro = false): string | null {
  const at = tempDir();
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${kib}k${ro ? ",ro" : ""}`, "tmpfs", at]);
  if (r.status !== 0) return null;
  t.after(() => spawnSync("umount", [at]));
  return at;
}

describe("full and read-only file systems", () => {
  test("a read-only or full checkpoint directory or --out directory fails before any work (exit 2, the path named)", async (t) => {
    const ro = tmpfs(t, 64, true);
    const full = tmpfs(t, 4);
    if (ro === null || full === null) return t.skip("mounting a tmpfs needs privileges");
    writeFileSync(join(full, "filler"), new Uint8Array(4096)); // the 4 KiB file system is now full
    const dir = tempDir();
    const p = await smallProblem(dir);
    const args = ["--optimizer", "sgd", "--max-iter", "100"];
    failsCleanly(runCli(trainSmall(p, [...args, "--checkpoint", ro])), 2, new RegExp(`${ro}.*read-only file system`));
    failsCleanly(runCli(trainSmall(p, [...args, "--checkpoint", full])), 2, new RegExp(`${full}.*no space left`));
    failsCleanly(runCli(trainSmall(p, [...args, "--out", join(full, "m.safetensors")])), 2, /m\.safetensors.*no space left/);
  });

  test("a write that fails after the work names the path and exits 1, never 3", (t) => {
    const small = tmpfs(t, 12); // room for the write check and a lock file, not for a 784-wide model
    if (small === null) return t.skip("mounting a tmpfs needs privileges");
    const out = join(small, "m.safetensors");
    const r = runCli(["train", "--arch", "784-4-784", "--dataset", "curves", "--train-size", "8", "--optimizer", "sgd", "--max-iter", "1", "--quiet", "--out", out]);
    failsCleanly(r, 1, new RegExp(`cannot write ${out}: no space left on device`));
    const ckpt = tmpfs(t, 12);
    if (ckpt === null) return;
    const c = runCli(["train", "--arch", "784-4-784", "--dataset", "curves", "--train-size", "8", "--optimizer", "sgd", "--max-iter", "1", "--quiet", "--checkpoint", ckpt]);
    failsCleanly(c, 1, new RegExp(`${join(ckpt, "checkpoint.safetensors")}: no space left on device`));
    assert.deepEqual(readdirSync(ckpt).filter((n) => n.endsWith(".tmp")), [], "no temp file left");
  });
});

test("resume compares the data's contents, not its path: another spelling resumes, changed contents are refused", async () => {
  const dir = tempDir();
  const p = await smallProblem(dir);
  const ckpt = join(dir, "ckpt");
  mkdirSync(ckpt);
  const args = (data: string, iters: string): string[] => ["train", "--model", p.model, "--data", data, "--optimizer", "sgd", "--max-iter", iters, "--quiet", "--checkpoint", ckpt];
  assert.equal(runCli(args(p.data, "2")).code, 0);
  const other = `./${relative(process.cwd(), p.data)}`;
  const r = runCli([...args(other, "3"), "--resume", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { resumed_from: number }).resumed_from, 2);
  await smallProblem(dir, 9); // same shapes, other numbers
  failsCleanly(runCli([...args(p.data, "4"), "--resume"]), 2, /written with model = contents sha256 .*this run has contents sha256/);
});
