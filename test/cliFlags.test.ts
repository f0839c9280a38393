/** @file flags end to end: bad values are flag errors (rc 2) in one format, flags that do not apply are refused or warned, deterministic defaults converge */
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { forward, initialize, mlp, ndarray, Rng, tensor, writeData, writeModel } from "../src/node.js";
import { runCli, smallProblem, tempDir } from "./cliHelpers.js";

/**
 * A 4-5-2 tanh regression with 300 cases (more than the 256-case minibatch of the stochastic
 * methods): targets from a teacher network plus noise, so a minimizer exists at finite θ.
 */
async function threeHundredCases(dir: string): Promise<{ model: string; data: string }> {
  const net = mlp([4, 5, 2], { hidden: "tanh", output: "linear", loss: "mse" });
  const rng = new Rng(11);
  const n = 300;
  const x = Float64Array.from({ length: n * 4 }, () => rng.normal());
  const teacher = initialize(net, { scheme: "glorot", seed: 13 });
  const y = Float64Array.from(forward(net, tensor(teacher), tensor(x, { shape: [n, 4] })).data(), (v) => v + 0.1 * rng.normal());
  const model = join(dir, "model.safetensors");
  const data = join(dir, "data.safetensors");
  await writeModel(model, net, initialize(net, { scheme: "glorot", seed: 12 }), "float64");
  await writeData(data, { name: "300", inputs: ndarray(x, [n, 4]), targets: ndarray(y, [n, 2]) });
  return { model, data };
}

describe("bad flag values are flag errors (exit 2), one line, `hessian-lab: …`", () => {
  const cases: { name: string; pattern: RegExp; args: (f: { model: string; data: string; dir: string }) => string[] }[] = [
    { name: "--lr 0", pattern: /--lr.*> 0/, args: (f) => ["train", "--model", f.model, "--data", f.data, "--optimizer", "sgd", "--lr", "0", "--max-iter", "1"] },
    { name: "--lr 1e-400", pattern: /--lr.*underflows/, args: (f) => ["train", "--model", f.model, "--data", f.data, "--optimizer", "sgd", "--lr", "1e-400", "--max-iter", "1"] },
    { name: "--arch with a billion units", pattern: /--arch.*parameters/, args: (f) => ["train", "--arch", "4-1000000000-3", "--data", f.data, "--max-iter", "1"] },
    { name: "density --grid 1e10", pattern: /--grid.*integer in/, args: (f) => ["density", "--model", f.model, "--data", f.data, "--grid", "1e10", "--out", join(f.dir, "d")] },
    { name: "natural --damping 0", pattern: /--damping.*natural/, args: (f) => ["train", "--model", f.model, "--data", f.data, "--optimizer", "natural", "--damping", "0", "--max-iter", "1"] },
    { name: "hf --damping 0", pattern: /--damping.*hf/, args: (f) => ["train", "--model", f.model, "--data", f.data, "--optimizer", "hf", "--damping", "0", "--curvature", "hessian", "--max-iter", "1"] },
    { name: "kfac --damping 0", pattern: /--damping.*kfac/, args: (f) => ["train", "--model", f.model, "--data", f.data, "--optimizer", "kfac", "--damping", "0", "--max-iter", "1"] },
    { name: "hexadecimal --batch-size", pattern: /--batch-size.*decimal number/, args: (f) => ["evaluate", "--model", f.model, "--data", f.data, "--batch-size", "0x10"] },
    { name: "hexadecimal number", pattern: /--top.*decimal number/, args: (f) => ["spectrum", "--model", f.model, "--data", f.data, "--top", "0x10"] },
    { name: "train --seed 2³²", pattern: /--seed.*4294967295/, args: (f) => ["train", "--model", f.model, "--data", f.data, "--seed", "4294967296", "--max-iter", "1"] },
    { name: "--init with --model", pattern: /--init.*--model/, args: (f) => ["train", "--model", f.model, "--data", f.data, "--init", "glorot", "--max-iter", "1"] },
    { name: "--hidden with --model", pattern: /--hidden.*--model/, args: (f) => ["train", "--model", f.model, "--data", f.data, "--hidden", "relu", "--max-iter", "1"] },
    { name: "--loss with --model", pattern: /--loss.*--model/, args: (f) => ["train", "--model", f.model, "--data", f.data, "--loss", "mse", "--max-iter", "1"] },
    { name: "commander's own errors", pattern: /unknown option '--frobnicate'/, args: (f) => ["evaluate", "--model", f.model, "--data", f.data, "--frobnicate"] },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const dir = tempDir();
      const p = await smallProblem(dir);
      const r = runCli([...c.args({ model: p.model, data: p.data, dir }), "--quiet"]);
      assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
      assert.equal(r.stderr.trim().split("\n").length, 1, `one line:\n${r.stderr}`);
      assert.match(r.stderr, /^hessian-lab: /);
      assert.doesNotMatch(r.stderr, /error: |internal error/);
      assert.match(r.stderr, c.pattern);
    });
  }
});

test("flags that do not apply to the optimizer are named in a warning", async () => {
  const dir = tempDir();
  const p = await smallProblem(dir);
  const r = runCli(["train", "--model", p.model, "--data", p.data, "--optimizer", "lbfgs", "--lr", "0.1", "--curvature", "ggn", "--max-iter", "2", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /--lr does not apply to --optimizer lbfgs/);
  assert.match(r.stderr, /--curvature does not apply to --optimizer lbfgs/);
});

test("flags that do not apply to the command's other choices are named in a warning", async () => {
  const dir = tempDir();
  const p = await smallProblem(dir);
  const vector = join(dir, "v.safetensors");
  await writeModel(vector, p.net, p.theta, "float64");
  const r = runCli(["hvp", "--model", p.model, "--data", p.data, "--vector", vector, "--curvature", "ggn", "--fisher", "empirical", "--seed", "3", "--out", join(dir, "gv.safetensors")]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /hvp: --fisher only applies with --curvature fisher or kfac; ignored/);
  assert.match(r.stderr, /hvp: --seed only applies to Monte-Carlo targets/);
});

test("a torch.save file is named as one (exit 3)", async () => {
  const dir = tempDir();
  const p = await smallProblem(dir);
  const pt = join(dir, "model.pt");
  writeFileSync(pt, Buffer.from("PK\x03\x04\x14\x00\x00\x00\x08\x00archive/data.pkl", "latin1"));
  const r = runCli(["evaluate", "--model", pt, "--data", p.data]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /^hessian-lab: .*model\.pt: a zip archive \(what torch\.save writes/);
});

test("density --out d.png writes d.png, d.svg and d.json", async () => {
  const dir = tempDir();
  const p = await smallProblem(dir);
  const r = runCli(["density", "--model", p.model, "--data", p.data, "--probes", "2", "--steps", "5", "--grid", "16", "--out", join(dir, "d.png"), "--quiet"]);
  assert.equal(r.code, 0, r.stderr);
  for (const name of ["d.png", "d.svg", "d.json"]) assert.ok(existsSync(join(dir, name)), name);
  assert.ok(!existsSync(join(dir, "d.png.png")));
});

test("spectrum --top larger than p computes p eigenvalues with a notice", async () => {
  const dir = tempDir();
  const p = await smallProblem(dir);
  const r = runCli(["spectrum", "--model", p.model, "--data", p.data, "--top", "100", "--bottom", "0", "--trace-probes", "0", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /--top 100 exceeds the 43 eigenvalues of a 43-parameter model; computing 43/);
  assert.equal((JSON.parse(r.stdout) as { top: unknown[] }).top.length, 43);
});

test("Lanczos progress names its total", async () => {
  const dir = tempDir();
  const p = await smallProblem(dir);
  const r = runCli(["spectrum", "--model", p.model, "--data", p.data, "--method", "lanczos", "--top", "2", "--bottom", "1", "--trace-probes", "0"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /top: \d+ of at most \d+ products/);
});

describe("deterministic methods: full batch by default, stopping when converged", () => {
  test("L-BFGS with default flags reaches a tiny gradient on a 300-case problem and says why it stopped", async () => {
    const dir = tempDir();
    const f = await threeHundredCases(dir);
    const r = runCli(["train", "--model", f.model, "--data", f.data, "--optimizer", "lbfgs", "--dtype", "float64", "--max-iter", "400", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { gradient_norm: number; stop: string; iterations: number; stop_reason: string };
    assert.ok(j.gradient_norm <= 1e-7, `‖∇L‖ ${j.gradient_norm} after ${j.iterations} iterations (${j.stop})`);
    assert.equal(j.stop, "gradientTolerance");
    assert.ok(j.iterations < 400);
    assert.match(j.stop_reason, /‖∇L‖/);
  });

  test("Newton-CG and HF stop on their own instead of running out the budget", async () => {
    const dir = tempDir();
    const f = await threeHundredCases(dir);
    // HF's minibatch defaults to 256 cases; on the whole set its gradient tolerance applies
    for (const [optimizer, extra] of [["newton-cg", []], ["hf", ["--batch-size", "300"]]] as const) {
      const r = runCli(["train", "--model", f.model, "--data", f.data, "--optimizer", optimizer, ...extra, "--dtype", "float64", "--max-iter", "300", "--json"]);
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout) as { stop: string; iterations: number };
      assert.notEqual(j.stop, "maxIterations", `${optimizer} used its whole budget`);
      assert.ok(j.iterations < 300, `${optimizer}: ${j.iterations}`);
    }
  });
});
