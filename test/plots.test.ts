/** @file end-to-end tests of the plotting commands: density, landscape, taylor write SVG/PNG/JSON, report the library's numbers, and fail cleanly */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { empiricalRisk, readData, riskValue } from "../src/node.js";
import { runCli, smallProblem, tempDir, type CliRun } from "./cliHelpers.js";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Checks PREFIX.svg/.png/.json exist and look right; returns the parsed JSON file. */
function checkFiles(prefix: string, markClass: string): unknown {
  const svg = readFileSync(`${prefix}.svg`, "utf8");
  assert.ok(svg.startsWith("<svg") && svg.includes(`class="${markClass} role-mark`), `${prefix}.svg has ${markClass} marks`);
  const png = readFileSync(`${prefix}.png`);
  assert.ok(png.subarray(0, 8).equals(PNG_SIGNATURE), "PNG signature");
  assert.ok(png.length > 5000, `${png.length}-byte PNG`);
  return JSON.parse(readFileSync(`${prefix}.json`, "utf8")) as unknown;
}

/** A failed run: the exit code, one line on stderr, nothing on stdout, no file left in dir besides the inputs. */
function checkFailure(r: CliRun, code: number, pattern: RegExp, dir: string): void {
  assert.equal(r.code, code, r.stderr);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
  assert.equal(r.stdout, "");
  assert.deepEqual(readdirSync(dir).sort(), ["data.safetensors", "model.safetensors"]);
}

async function lossAt(p: { net: Parameters<typeof empiricalRisk>[0]; theta: Float64Array; data: string }): Promise<number> {
  return riskValue(empiricalRisk(p.net, await readData(p.data)), p.theta);
}

describe("hessian-lab density", () => {
  test("--json: SLQ density on a grid, its files, and the same JSON in PREFIX.json", async () => {
    const dir = tempDir();
    const p = await smallProblem(dir);
    const prefix = join(dir, "dens");
    const r = runCli(["density", "--model", p.model, "--data", p.data, "--curvature", "ggn", "--probes", "3", "--steps", "12", "--grid", "64", "--out", prefix, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { grid: number[]; density: number[]; standard_error: (number | null)[]; probes: number; steps: number; parameters: number; negative_fraction: { estimate: number }; products: number; support: [number, number] };
    assert.deepEqual(checkFiles(prefix, "mark-line"), out);
    assert.equal(out.grid.length, 64);
    assert.equal(out.density.length, 64);
    assert.equal(out.probes, 3);
    assert.equal(out.steps, 12);
    assert.equal(out.parameters, p.theta.length);
    // a density: non-negative, integrates to ≈ 1 over the grid (trapezoid)
    assert.ok(out.density.every((d) => d >= 0));
    let mass = 0;
    for (let i = 1; i < 64; i++) mass += 0.5 * (out.density[i]! + out.density[i - 1]!) * (out.grid[i]! - out.grid[i - 1]!);
    assert.ok(Math.abs(mass - 1) < 0.02, `mass ${mass}`);
    // the GGN is PSD: no negative mass beyond rounding, support starts at ≈ 0 or above
    assert.ok(out.negative_fraction.estimate < 1e-6 && out.support[0] > -1e-8);
    assert.ok(out.products > 0 && out.products <= 3 * 12);
  });
  test("an output directory that does not exist: exit 2 before any work, no files", async () => {
    const dir = tempDir();
    const p = await smallProblem(dir);
    const r = runCli(["density", "--model", p.model, "--data", p.data, "--out", join(dir, "missing", "dens")]);
    checkFailure(r, 2, /does not exist/, dir);
  });
  test("--probes 0 is a usage error", async () => {
    const dir = tempDir();
    const p = await smallProblem(dir);
    checkFailure(runCli(["density", "--model", p.model, "--data", p.data, "--probes", "0", "--out", join(dir, "d")]), 2, /--probes.*integer ≥ 1/, dir);
  });
});

describe("hessian-lab landscape", () => {
  test("1-D along the top eigenvector: center = L(θ), q matches L near θ, line plot", async () => {
    const dir = tempDir();
    const p = await smallProblem(dir, 3);
    const prefix = join(dir, "slice");
    const r = runCli(["landscape", "--model", p.model, "--data", p.data, "--directions", "eigen", "--dims", "1", "--range", "0.01", "--points", "5", "--out", prefix, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { alphas: number[]; loss: number[]; quadratic: number[]; center: number; eigen: { values: number[] }; model_error: { max: number }; dims: number };
    assert.deepEqual(checkFiles(prefix, "mark-line"), out);
    const l0 = await lossAt(p);
    // the CLI runs the native GEMM, this process the portable one: sums may differ in the last ulp
    assert.ok(Math.abs(out.center - l0) <= 1e-14 * Math.abs(l0), `${out.center} vs ${l0}`);
    assert.equal(out.loss[2], out.center);
    assert.deepEqual(out.alphas, [-0.01, -0.005, 0, 0.005, 0.01]);
    assert.equal(out.eigen.values.length, 1);
    assert.ok(out.model_error.max < 1e-5, `|L − q| ${out.model_error.max} at range 0.01`);
  });
  test("2-D random directions: a [β][α] grid, contour plot", async () => {
    const dir = tempDir();
    const p = await smallProblem(dir, 4);
    const prefix = join(dir, "surface");
    const r = runCli(["landscape", "--model", p.model, "--data", p.data, "--directions", "random", "--dims", "2", "--points", "7", "--seed", "5", "--out", prefix, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { loss: number[][]; quadratic: number[][]; betas: number[]; center: number; eigen: null; evaluations: number };
    assert.deepEqual(checkFiles(prefix, "mark-path"), out);
    assert.equal(out.loss.length, 7);
    assert.ok(out.loss.every((row) => row.length === 7));
    assert.equal(out.loss[3]![3], out.center);
    assert.equal(out.center, await lossAt(p));
    assert.equal(out.eigen, null);
    assert.equal(out.evaluations, 50);
  });
  test("--dims 3 is a usage error", async () => {
    const dir = tempDir();
    const p = await smallProblem(dir);
    checkFailure(runCli(["landscape", "--model", p.model, "--data", p.data, "--dims", "3", "--out", join(dir, "s")]), 2, /--dims.*expected one of 1, 2/, dir);
  });
});

describe("hessian-lab taylor", () => {
  test("--json without --out: the table and a cubic error order, no files", async () => {
    const dir = tempDir();
    const p = await smallProblem(dir, 2);
    const r = runCli(["taylor", "--model", p.model, "--data", p.data, "--direction", "random", "--min-step", "1e-3", "--max-step", "1e-1", "--steps", "7", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { points: { t: number; loss: number; model: number; error: number }[]; order: number; expected_order: number; loss: number; files: null };
    assert.equal(out.points.length, 7);
    assert.ok(Math.abs(out.points[0]!.t - 1e-3) < 1e-15 && Math.abs(out.points[6]!.t - 1e-1) < 1e-15);
    for (const q of out.points) assert.equal(q.error, Math.abs(q.loss - q.model));
    assert.equal(out.expected_order, 3);
    assert.ok(Math.abs(out.order - 3) < 0.3, `order ${out.order}`);
    assert.equal(out.loss, await lossAt(p));
    assert.equal(out.files, null);
    assert.deepEqual(readdirSync(dir).sort(), ["data.safetensors", "model.safetensors"]);
  });
  test("--out with the GGN along −∇L: second-order error, plot and table text", async () => {
    const dir = tempDir();
    const p = await smallProblem(dir, 2);
    const prefix = join(dir, "taylor");
    const r = runCli(["taylor", "--model", p.model, "--data", p.data, "--direction", "gradient", "--curvature", "ggn", "--out", prefix]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /fitted order of the error: [\d.]+ \(expected 2\)/);
    assert.equal(r.stdout.split("\n").filter((l) => /^\s+\d\.\d{3}e-\d+\s/.test(l)).length, 13, "13 table rows");
    const json = checkFiles(prefix, "mark-symbol") as { order: number; expected_order: number };
    assert.equal(json.expected_order, 2);
    assert.ok(Math.abs(json.order - 2) < 0.3, `order ${json.order}`);
    assert.ok(existsSync(`${prefix}.png`));
  });
  test("--min-step ≥ --max-step is a usage error before any file is touched", async () => {
    const dir = tempDir();
    const p = await smallProblem(dir);
    checkFailure(runCli(["taylor", "--model", p.model, "--data", p.data, "--min-step", "1", "--max-step", "0.1", "--out", join(dir, "t")]), 2, /--min-step \(1\) must be smaller than --max-step \(0\.1\)/, dir);
  });
});
