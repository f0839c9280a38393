/** @file helpers for end-to-end CLI tests: run the binary from source, make small model/data files */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initialize, mlp, ndarray, Rng, writeData, writeModel, type Network } from "../src/node.js";

/** The result of one CLI run. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `hessian-lab ...args` from the TypeScript sources (no build needed). */
export function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): CliRun {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, "../src/cli/main.ts"), ...args], {
    encoding: "utf8",
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, NODE_NO_WARNINGS: "1", ...options.env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh temporary directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "hessian-lab-test-"));
}

/** Writes a small tanh MLP with a softmax cross-entropy head and matching data into dir. */
export async function smallProblem(dir: string, seed = 1): Promise<{ net: Network; theta: Float64Array; model: string; data: string }> {
  const net = mlp([4, 5, 3], { hidden: "tanh", output: "linear", loss: "softmax_cross_entropy" });
  const theta = initialize(net, { scheme: "glorot", seed });
  const rng = new Rng(seed + 100);
  const n = 7;
  const inputs = ndarray(Float64Array.from({ length: n * 4 }, () => rng.normal()), [n, 4]);
  const targets = ndarray(new Float64Array(n * 3), [n, 3]);
  for (let r = 0; r < n; r++) targets.data[r * 3 + rng.int(3)] = 1;
  const model = join(dir, "model.safetensors");
  const data = join(dir, "data.safetensors");
  await writeModel(model, net, theta, "float64");
  await writeData(data, { name: "small", inputs, targets });
  return { net, theta, model, data };
}
