/** @file SIGINT/SIGTERM from the first moment the program runs: exit 130 with one line, never death by signal */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { smallProblem, tempDir } from "./cliHelpers.js";

const MAIN = join(import.meta.dirname, "../src/cli/main.ts");
const PROBE = join(import.meta.dirname, "signalProbe.mjs");

/**
 * Starts the binary, sends `signal` as soon as it has added listeners for both SIGINT and SIGTERM
 * (the preloaded probe reports each on fd 3) and returns how it ended; never sends one if the
 * binary adds none before it exits.
 */
async function signalEarly(args: string[], signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; sent: boolean }> {
  const child = spawn(process.execPath, ["--import", "tsx", "--import", PROBE, MAIN, ...args], {
    stdio: ["ignore", "pipe", "pipe", "pipe"],
    env: { ...process.env, NODE_NO_WARNINGS: "1" },
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  let sent = false;
  let probe = "";
  child.stdio[3]!.on("data", (d: Buffer) => {
    probe += d.toString();
    if (!sent && probe.includes("SIGINT") && probe.includes("SIGTERM")) {
      sent = true;
      child.kill(signal);
    }
  });
  const exited = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, sig) => resolve({ code, signal: sig })));
  return { ...exited, stderr, sent };
}

test("a signal during start-up exits 130 with one line, for a command without checkpoints too (hvp)", async () => {
  const dir = tempDir();
  const p = await smallProblem(dir);
  const r = await signalEarly(["hvp", "--model", p.model, "--data", p.data, "--vector", p.model, "--curvature", "ggn", "--out", join(dir, "o.safetensors")], "SIGTERM");
  assert.ok(r.sent, `the handlers were never installed; the run ended with ${r.code}: ${r.stderr}`);
  assert.equal(r.signal, null, "not killed by the signal");
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /^hessian-lab: interrupted \(SIGTERM\)/m);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
});

test("SIGINT while train is still setting up exits 130, not by signal", async () => {
  const args = ["train", "--arch", "784-8-784", "--dataset", "curves", "--train-size", "64", "--optimizer", "sgd", "--max-iter", "100000"];
  const r = await signalEarly(args, "SIGINT");
  assert.ok(r.sent);
  assert.equal(r.signal, null);
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /interrupted/);
});
