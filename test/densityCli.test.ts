/** @file `hessian-lab density` end to end: the negative-eigenvalue fraction's bracket against a dense eigh of a small net's Hessian */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { curvatureOperator, empiricalRisk, initialize, linalg, mlp, ndarray, Rng, writeData, writeModel } from "../src/node.js";
import { runCli, tempDir } from "./cliHelpers.js";

interface DensityJson {
  negative_fraction: { estimate: number; standard_error: number | null; lower: number; upper: number; interval: [number, number]; resolved: boolean };
  standard_error: (number | null)[];
}

test("density: the negative fraction's interval covers the dense truth where the point estimate ± SE does not; it says when it cannot resolve 0", async () => {
  // a 5-12-3 tanh net (111 parameters) on 10 cases: its Hessian has 52 negative eigenvalues, many of them near 0
  const net = mlp([5, 12, 3], { hidden: "tanh", output: "linear", loss: "mse" });
  const theta = initialize(net, { scheme: "glorot", seed: 2 });
  const rng = new Rng(9);
  const n = 10;
  const inputs = ndarray(Float64Array.from({ length: n * 5 }, () => rng.normal()), [n, 5]);
  const targets = ndarray(Float64Array.from({ length: n * 3 }, () => 2 * rng.normal()), [n, 3]);
  const dir = tempDir();
  const model = join(dir, "m.safetensors");
  const data = join(dir, "d.safetensors");
  await writeModel(model, net, theta, "float64");
  await writeData(data, { name: "d", inputs, targets });
  const op = curvatureOperator(empiricalRisk(net, { inputs, targets }), theta, "hessian");
  const p = theta.length;
  const a = linalg.toDense(op);
  const values = linalg.eigh(a.map((x, k) => 0.5 * (x + a[(k % p) * p + Math.floor(k / p)]!)), p).values;
  const truth = values.filter((x) => x < 0).length / p;
  let biased = 0;
  for (const steps of [10, 20, 40]) {
    const r = runCli(["density", "--model", model, "--data", data, "--probes", "20", "--steps", String(steps), "--out", join(dir, `d${steps}`), "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as DensityJson;
    const f = out.negative_fraction;
    if (Math.abs(f.estimate - truth) > 3 * f.standard_error!) biased++;
    assert.ok(f.interval[0] <= truth && truth <= f.interval[1], `steps ${steps}: truth ${truth} outside [${f.interval[0]}, ${f.interval[1]}]`);
    assert.ok(Array.isArray(out.standard_error) && !("stderr" in out), "one vocabulary: standard_error");
    const text = runCli(["density", "--model", model, "--data", data, "--probes", "20", "--steps", String(steps), "--out", join(dir, `t${steps}`)]);
    assert.match(text.stdout, /negative eigenvalues: between \d\.\d+ and \d\.\d+/);
    if (!f.resolved) assert.match(text.stdout, /cannot resolve the eigenvalues near 0/);
  }
  assert.ok(biased > 0, "the point estimate's probe-only error bar misses the truth at some step count (the bias the interval covers)");
});
