/** @file `--curvature kfac` in hvp, spectrum and density, and `train --preconditioner kfac`, end to end against the library */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { empiricalRisk, kfacOperator, linalg, readData, readVector, Rng, writeVector } from "../src/node.js";
import { runCli, smallProblem, tempDir } from "./cliHelpers.js";

describe("--curvature kfac", () => {
  for (const fisher of ["mc", "empirical"] as const) {
    test(`hvp writes K-FAC's product with ${fisher} targets (seed 4)`, async () => {
      const dir = tempDir();
      const p = await smallProblem(dir, 2);
      const rng = new Rng(3);
      const v = Float64Array.from({ length: p.theta.length }, () => rng.normal());
      const vf = join(dir, "v.safetensors");
      await writeVector(vf, p.net, v, "float64");
      const out = join(dir, "kv.safetensors");
      const r = runCli(["hvp", "--model", p.model, "--data", p.data, "--vector", vf, "--curvature", "kfac", "--fisher", fisher, ...(fisher === "mc" ? ["--seed", "4"] : []), "--out", out]);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /only applies/, "--fisher and --seed choose K-FAC's targets");
      const got = await readVector(out, p.net);
      const expected = kfacOperator(empiricalRisk(p.net, await readData(p.data)), p.theta, { type: fisher, seed: 4 }).matvec(v);
      got.forEach((g, i) => assert.ok(Math.abs(g - expected[i]!) <= 1e-13 * (1 + Math.abs(expected[i]!)), `entry ${i}`));
    });
  }

  test("spectrum's top eigenvalue is the largest product of the factors' eigenvalues; density's support stays below it", async () => {
    const dir = tempDir();
    const p = await smallProblem(dir, 5);
    const op = kfacOperator(empiricalRisk(p.net, await readData(p.data)), p.theta, { type: "mc", seed: 0 });
    let top = 0;
    for (const f of op.factors) {
      const ea = linalg.eigh(f.a, Math.round(Math.sqrt(f.a.length))).values;
      const eg = linalg.eigh(f.g, Math.round(Math.sqrt(f.g.length))).values;
      top = Math.max(top, ea[ea.length - 1]! * eg[eg.length - 1]! + op.weightDecay);
    }
    const r = runCli(["spectrum", "--model", p.model, "--data", p.data, "--curvature", "kfac", "--fisher", "mc", "--fisher-samples", "1", "--top", "2", "--bottom", "1", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /only applies/, "--fisher and --fisher-samples choose K-FAC's targets");
    const out = JSON.parse(r.stdout) as { curvature: string; top: { value: number }[]; bottom: { value: number }[] };
    assert.equal(out.curvature, "kfac");
    assert.ok(Math.abs(out.top[0]!.value - top) <= 1e-8 * top, `${out.top[0]!.value} vs ${top}`);
    assert.ok(out.bottom[0]!.value >= -1e-12 * top, "K-FAC is PSD");

    const prefix = join(dir, "kfac-density");
    const d = runCli(["density", "--model", p.model, "--data", p.data, "--curvature", "kfac", "--probes", "2", "--steps", "10", "--out", prefix]);
    assert.equal(d.code, 0, d.stderr);
    const json = JSON.parse(readFileSync(`${prefix}.json`, "utf8")) as { curvature: string; support: [number, number] };
    assert.equal(json.curvature, "kfac");
    assert.ok(json.support[1] <= top * (1 + 1e-8), `support ${json.support[1]} vs λmax ${top}`);
    assert.ok(existsSync(`${prefix}.svg`) && existsSync(`${prefix}.png`));
  });
});

describe("train --preconditioner", () => {
  test("hf with the K-FAC preconditioner trains (the loss falls in 3 iterations)", async () => {
    const dir = tempDir();
    const p = await smallProblem(dir, 6);
    const r = runCli(["train", "--model", p.model, "--data", p.data, "--optimizer", "hf", "--preconditioner", "kfac", "--max-iter", "3", "--dtype", "float64", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { final_loss: number; history: { loss: number }[] };
    assert.equal(out.history.length, 3);
    assert.ok(out.final_loss < out.history[0]!.loss, `${out.history[0]!.loss} → ${out.final_loss}`);
  });

  test("is ignored with a warning by a first-order optimizer", async () => {
    const dir = tempDir();
    const p = await smallProblem(dir, 6);
    const r = runCli(["train", "--model", p.model, "--data", p.data, "--optimizer", "adam", "--preconditioner", "kfac", "--max-iter", "1"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /--preconditioner does not apply to --optimizer adam/);
  });
});
