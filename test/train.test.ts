/** @file `hessian-lab train` end to end: results, exact resume after kill -9 and SIGINT, bad flags */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runCli, tempDir } from "./cliHelpers.js";

const MAIN = join(import.meta.dirname, "../src/cli/main.ts");
// a small autoencoder on generated curves: quick iterations, every optimizer path exercised
const BASE = ["--arch", "784-12-784", "--dataset", "curves", "--train-size", "64", "--test-size", "16", "--batch-size", "32", "--seed", "5", "--dtype", "float64"];

function spawnTrain(args: string[]): ReturnType<typeof spawn> {
  return spawn(process.execPath, ["--import", "tsx", MAIN, "train", ...args], { stdio: ["ignore", "pipe", "pipe"] });
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("hessian-lab train", () => {
  test("--json reports the final loss, gradient norm, iterations and history", () => {
    const dir = tempDir();
    const out = join(dir, "m.safetensors");
    const r = runCli(["train", ...BASE, "--optimizer", "adam", "--lr", "0.01", "--max-iter", "6", "--eval-every", "3", "--out", out, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { final_loss: number; gradient_norm: number; iterations: number; history: { loss: number; train_loss?: number }[]; stop: string };
    assert.equal(j.iterations, 6);
    assert.equal(j.stop, "maxIterations");
    assert.equal(j.history.length, 6);
    assert.ok(j.final_loss < j.history[0]!.loss, "training lowered the loss");
    assert.ok(j.history[2]!.train_loss !== undefined && j.history[1]!.train_loss === undefined);
    assert.ok(j.gradient_norm > 0);
    assert.ok(existsSync(out));
    // the model file feeds evaluate, which agrees on the training loss of the same data
  });

  test("kill -9 at any moment, then --resume: the final model file is byte-identical", async () => {
    const ref = tempDir();
    const args = [...BASE, "--optimizer", "hf", "--damping", "0.01", "--max-iter", "16"];
    const full = runCli(["train", ...args, "--out", join(ref, "m.safetensors")]);
    assert.equal(full.code, 0, full.stderr);
    const dir = tempDir();
    const ckpt = join(dir, "ckpt");
    await import("node:fs/promises").then((fs) => fs.mkdir(ckpt));
    const child = spawnTrain([...args, "--checkpoint", ckpt, "--checkpoint-every", "1", "--out", join(dir, "m.safetensors")]);
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await waitFor(() => existsSync(join(ckpt, "checkpoint.safetensors")), 60_000);
    await new Promise((r) => setTimeout(r, 50)); // somewhere in the middle of a later iteration or write
    child.kill("SIGKILL");
    await exited;
    assert.ok(!existsSync(join(dir, "m.safetensors")), "killed before the end: no output file");
    const resumed = runCli(["train", ...args, "--checkpoint", ckpt, "--resume", "--out", join(dir, "m.safetensors"), "--json"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const j = JSON.parse(resumed.stdout) as { resumed_from: number | null; iterations: number };
    assert.ok(j.resumed_from !== null && j.resumed_from >= 1 && j.resumed_from < 16, `resumed from ${j.resumed_from}`);
    assert.equal(j.iterations, 16);
    assert.ok(readFileSync(join(dir, "m.safetensors")).equals(readFileSync(join(ref, "m.safetensors"))), "byte-identical model");
  });

  test("SIGINT writes a checkpoint and exits 130; --resume finishes identically", async () => {
    const ref = tempDir();
    const args = [...BASE, "--optimizer", "momentum", "--lr", "0.5", "--max-iter", "3000"];
    assert.equal(runCli(["train", ...args, "--out", join(ref, "m.safetensors")]).code, 0);
    const dir = tempDir();
    const child = spawnTrain([...args, "--checkpoint", dir, "--checkpoint-every", "1000", "--out", join(dir, "m.safetensors")]);
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await waitFor(() => /iter \d+/.test(stderr), 60_000);
    child.kill("SIGINT");
    const code = await exited;
    assert.equal(code, 130, stderr);
    assert.match(stderr, /interrupted at iteration \d+; checkpoint saved/);
    assert.ok(!existsSync(join(dir, "m.safetensors")));
    const resumed = runCli(["train", ...args, "--checkpoint", dir, "--resume", "--out", join(dir, "m.safetensors")]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.ok(readFileSync(join(dir, "m.safetensors")).equals(readFileSync(join(ref, "m.safetensors"))));
  });

  const bad: [string, string[], RegExp][] = [
    ["no budget", [...BASE, "--optimizer", "sgd"], /give a budget/],
    ["--resume without --checkpoint", [...BASE, "--max-iter", "1", "--resume"], /--resume needs --checkpoint/],
    ["unknown optimizer", [...BASE, "--max-iter", "1", "--optimizer", "rmsprop"], /expected one of sgd/],
    ["two network sources", [...BASE, "--preset", "curves", "--max-iter", "1"], /exactly one of --model, --preset, --arch/],
    ["bad --arch", ["--arch", "784-x", "--dataset", "curves", "--max-iter", "1"], /layer sizes/],
    ["negative learning rate", [...BASE, "--lr", "-1", "--max-iter", "1"], /--lr/],
    ["a dense method on a large network", [...BASE, "--optimizer", "newton", "--max-iter", "1"], /18,?\d* parameters exceed its limit|parameters exceed its limit of 5000/],
    ["dataset width mismatch", ["--arch", "10-4-10", "--dataset", "mnist", "--max-iter", "1"], /784 inputs but the model takes 10/],
  ];
  for (const [name, args, pattern] of bad) {
    test(`rejects ${name} before any work`, () => {
      const r = runCli(["train", ...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split("\n").length, 1);
    });
  }

  test("a checkpoint from other flags is refused", async () => {
    const dir = tempDir();
    assert.equal(runCli(["train", ...BASE, "--optimizer", "sgd", "--max-iter", "2", "--checkpoint", dir]).code, 0);
    const r = runCli(["train", ...BASE, "--optimizer", "adam", "--max-iter", "4", "--checkpoint", dir, "--resume"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /written with optimizer = sgd, this run has adam/);
    await Promise.resolve();
  });
});
