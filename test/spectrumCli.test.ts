/** @file `hessian-lab spectrum` end to end against a dense eigh: class and condition only from what was computed, singular GGNs, which Fisher */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { curvatureOperator, empiricalRisk, initialize, linalg, mlp, ndarray, readData, Rng, writeData, writeModel } from "../src/node.js";
import { runCli, tempDir } from "./cliHelpers.js";

/** The 37-parameter model (4-5-2 tanh, squared error, 6 cases): its Hessian is a saddle, its GGN has rank ≤ 12. */
async function model37(dir: string, seed = 3): Promise<{ model: string; data: string }> {
  const net = mlp([4, 5, 2], { hidden: "tanh", output: "linear", loss: "mse" });
  const theta = initialize(net, { scheme: "glorot", seed });
  const rng = new Rng(seed + 4);
  const n = 6;
  const inputs = ndarray(Float64Array.from({ length: n * 4 }, () => rng.normal()), [n, 4]);
  const targets = ndarray(Float64Array.from({ length: n * 2 }, () => rng.normal()), [n, 2]);
  const model = join(dir, "m.safetensors");
  const data = join(dir, "d.safetensors");
  await writeModel(model, net, theta, "float64");
  await writeData(data, { name: "m37", inputs, targets });
  return { model, data };
}

interface SpectrumJson {
  method: string;
  top: { value: number; residual: number; zero: boolean }[];
  bottom: { value: number; residual: number; zero: boolean }[];
  lambda_min: number | null;
  condition: { exact: number | null; reason: string };
  classification: { kind: string; explanation: string };
  fisher: { type: string; samples_per_case?: number; seed?: number } | null;
  stable_learning_rate: number | null;
}

async function denseTruth(p: { model: string; data: string }, curvature: "hessian" | "ggn"): Promise<Float64Array> {
  const { readModel } = await import("../src/node.js");
  const m = await readModel(p.model);
  const op = curvatureOperator(empiricalRisk(m.network, await readData(p.data, m.network)), m.theta, curvature);
  const n = op.shape[0];
  const a = linalg.toDense(op);
  return linalg.eigh(a.map((x, k) => 0.5 * (x + a[(k % n) * n + Math.floor(k / n)]!)), n).values;
}

describe("hessian-lab spectrum: the class and condition number need λmin", () => {
  test("--top 3 --bottom 0 on a saddle: the dense route still finds the negative λmin", async () => {
    const p = await model37(tempDir());
    const truth = await denseTruth(p, "hessian");
    assert.ok(truth[0]! < 0, "the reference point is a saddle");
    const r = runCli(["spectrum", "--model", p.model, "--data", p.data, "--top", "3", "--bottom", "0", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as SpectrumJson;
    assert.equal(out.method, "dense");
    assert.equal(out.classification.kind, "saddle", out.classification.explanation);
    assert.ok(Math.abs(out.lambda_min! - truth[0]!) < 1e-12);
    assert.equal(out.condition.exact, null);
    assert.match(out.condition.reason, /indefinite/);
  });
  test("--method lanczos --bottom 0: class unknown and condition not computed, in JSON and text", async () => {
    const p = await model37(tempDir());
    const r = runCli(["spectrum", "--model", p.model, "--data", p.data, "--top", "3", "--bottom", "0", "--method", "lanczos", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as SpectrumJson;
    assert.equal(out.classification.kind, "unknown");
    assert.equal(out.condition.exact, null);
    assert.equal(out.lambda_min, null);
    const text = runCli(["spectrum", "--model", p.model, "--data", p.data, "--top", "3", "--bottom", "0", "--method", "lanczos"]);
    assert.match(text.stdout, /condition: not computed/);
    assert.doesNotMatch(text.stdout, /minimum-like/);
  });
  test("a singular GGN: zero eigenvalues to tolerance and κ = ∞ (null + reason), not λmax/rounding", async () => {
    const p = await model37(tempDir());
    const truth = await denseTruth(p, "ggn");
    const r = runCli(["spectrum", "--model", p.model, "--data", p.data, "--curvature", "ggn", "--top", "2", "--bottom", "2", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as SpectrumJson;
    assert.ok(out.bottom.every((e) => e.zero), JSON.stringify(out.bottom));
    assert.equal(out.condition.exact, null);
    assert.match(out.condition.reason, /singular/);
    assert.ok(!("damped" in out.condition));
    assert.equal(out.classification.kind, "degenerate");
    // the reported top matches the reference; the learning-rate limit is 2/λmax
    assert.ok(Math.abs(out.top[0]!.value - truth[truth.length - 1]!) < 1e-12);
    assert.ok(Math.abs(out.stable_learning_rate! - 2 / truth[truth.length - 1]!) < 1e-12);
    const text = runCli(["spectrum", "--model", p.model, "--data", p.data, "--curvature", "ggn", "--top", "2", "--bottom", "2"]);
    assert.match(text.stdout, /condition: ∞ \(singular/);
  });
});

describe("hessian-lab spectrum --curvature fisher says which Fisher", () => {
  test("MC by default (samples per case and seed), --fisher empirical accepted, and they differ", async () => {
    const p = await model37(tempDir());
    const mc = runCli(["spectrum", "--model", p.model, "--data", p.data, "--curvature", "fisher", "--top", "1", "--bottom", "0", "--seed", "4", "--json"]);
    assert.equal(mc.code, 0, mc.stderr);
    const m = JSON.parse(mc.stdout) as SpectrumJson;
    assert.deepEqual(m.fisher, { type: "mc", samples_per_case: 1, seed: 4 });
    const emp = runCli(["spectrum", "--model", p.model, "--data", p.data, "--curvature", "fisher", "--fisher", "empirical", "--top", "1", "--bottom", "0", "--json"]);
    assert.equal(emp.code, 0, emp.stderr);
    const e = JSON.parse(emp.stdout) as SpectrumJson;
    assert.deepEqual(e.fisher, { type: "empirical" });
    assert.notEqual(e.top[0]!.value, m.top[0]!.value);
    const text = runCli(["spectrum", "--model", p.model, "--data", p.data, "--curvature", "fisher", "--fisher-samples", "3", "--top", "1", "--bottom", "0"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Monte-Carlo Fisher \(3 samples per case, seed 0\)/);
    const hessian = JSON.parse(runCli(["spectrum", "--model", p.model, "--data", p.data, "--top", "1", "--json"]).stdout) as SpectrumJson;
    assert.equal(hessian.fisher, null);
  });
});
