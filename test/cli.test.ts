/** @file end-to-end tests of the binary: results match the library, and bad input fails cleanly */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { autoencoderPreset, curvatureOperator, empiricalRisk, ndarray, readData, readVector, Rng, riskValueAndGrad, writeData, writeVector } from "../src/node.js";
import { runCli, smallProblem, tempDir } from "./cliHelpers.js";

describe("hessian-lab evaluate", () => {
  test("--json reports the library's loss and gradient norm", async () => {
    const dir = tempDir();
    const p = await smallProblem(dir);
    const r = runCli(["evaluate", "--model", p.model, "--data", p.data, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { loss: number; gradient_norm: number; accuracy: number; cases: number };
    const ds = await readData(p.data);
    const { value, grad } = riskValueAndGrad(empiricalRisk(p.net, ds), p.theta);
    assert.ok(Math.abs(out.loss - value) <= 1e-14 * value);
    assert.ok(Math.abs(out.gradient_norm - Math.hypot(...grad)) <= 1e-12 * out.gradient_norm);
    assert.equal(out.cases, 7);
    assert.ok(out.accuracy >= 0 && out.accuracy <= 1);
  });
});

/** A small problem in `dir` and a seeded normal vector v for it, written to v.safetensors (vf). */
async function problemWithVector(dir: string, problemSeed: number, vectorSeed: number): Promise<{ p: Awaited<ReturnType<typeof smallProblem>>; v: Float64Array; vf: string }> {
  const p = await smallProblem(dir, problemSeed);
  const rng = new Rng(vectorSeed);
  const v = Float64Array.from({ length: p.theta.length }, () => rng.normal());
  const vf = join(dir, "v.safetensors");
  await writeVector(vf, p.net, v, "float64");
  return { p, v, vf };
}

describe("hessian-lab hvp", () => {
  for (const curvature of ["hessian", "ggn", "fisher"] as const) {
    test(`writes the ${curvature} product as a model-shaped vector file`, async () => {
      const dir = tempDir();
      const { p, v, vf } = await problemWithVector(dir, 2, 3);
      const out = join(dir, "hv.safetensors");
      const r = runCli(["hvp", "--model", p.model, "--data", p.data, "--vector", vf, "--curvature", curvature, "--out", out, "--json"]);
      assert.equal(r.code, 0, r.stderr);
      const got = await readVector(out, p.net);
      const ds = await readData(p.data);
      const expected = curvatureOperator(empiricalRisk(p.net, ds), p.theta, curvature).matvec(v);
      got.forEach((g, i) => assert.ok(Math.abs(g - expected[i]!) <= 1e-13 * (1 + Math.abs(expected[i]!)), `entry ${i}`));
    });
  }
});

test("without the native addon the portable WebAssembly backend takes over with one notice, the same product, and a prompt exit", async () => {
  const dir = tempDir();
  const { p, v, vf } = await problemWithVector(dir, 4, 5);
  const out = join(dir, "gv.safetensors");
  const started = Date.now();
  const r = runCli(["hvp", "--model", p.model, "--data", p.data, "--vector", vf, "--curvature", "ggn", "--out", out], { env: { HESSIAN_LAB_NATIVE: "0" } });
  assert.equal(r.code, 0, r.stderr);
  const notices = r.stderr.split("\n").filter((line) => line.includes("portable"));
  assert.equal(notices.length, 1, r.stderr);
  assert.match(notices[0]!, /using the portable portable-wasm-(relaxed-)?simd backend: disabled by HESSIAN_LAB_NATIVE=0/);
  // the worker thread waits for jobs forever, but must not keep the process alive
  assert.ok(Date.now() - started < 30_000);
  const got = await readVector(out, p.net);
  const expected = curvatureOperator(empiricalRisk(p.net, await readData(p.data)), p.theta, "ggn").matvec(v);
  got.forEach((g, i) => assert.ok(Math.abs(g - expected[i]!) <= 1e-12 * (1 + Math.abs(expected[i]!)), `entry ${i}`));
});

describe("bad input fails with one line, a documented exit code, and no output file", () => {
  const cases: { name: string; code: number; pattern: RegExp; args: (f: Record<string, string>) => string[] }[] = [
    { name: "unknown command", code: 2, pattern: /unknown command/, args: () => ["frobnicate"] },
    { name: "missing required flag", code: 2, pattern: /required option '--data/, args: (f) => ["evaluate", "--model", f.model!] },
    { name: "bad --curvature value", code: 2, pattern: /--curvature.*expected one of hessian, ggn, fisher/, args: (f) => ["hvp", "--model", f.model!, "--data", f.data!, "--vector", f.model!, "--curvature", "laplace", "--out", f.out!] },
    { name: "bad --dtype value", code: 2, pattern: /expected one of float32, float64/, args: (f) => ["evaluate", "--model", f.model!, "--data", f.data!, "--dtype", "int8"] },
    { name: "missing model file", code: 3, pattern: /file not found: .*nope\.safetensors/, args: (f) => ["evaluate", "--model", f.missing!, "--data", f.data!] },
    { name: "truncated model file", code: 3, pattern: /truncated\.safetensors/, args: (f) => ["evaluate", "--model", f.truncated!, "--data", f.data!] },
    { name: "random bytes as data", code: 3, pattern: /garbage\.safetensors/, args: (f) => ["evaluate", "--model", f.model!, "--data", f.garbage!] },
    { name: "data width mismatch", code: 3, pattern: /width 2 but the model takes 4/, args: (f) => ["evaluate", "--model", f.model!, "--data", f.narrow!] },
    { name: "NaN in data", code: 3, pattern: /NaN/, args: (f) => ["evaluate", "--model", f.model!, "--data", f.nan!] },
    { name: "vector of the wrong shape", code: 3, pattern: /layers\.0\.weight/, args: (f) => ["hvp", "--model", f.model!, "--data", f.data!, "--vector", f.data!, "--curvature", "ggn", "--out", f.out!] },
    { name: "output directory missing", code: 2, pattern: /does not exist/, args: (f) => ["hvp", "--model", f.model!, "--data", f.data!, "--vector", f.model!, "--curvature", "ggn", "--out", join(f.dir!, "no/such/dir/out.safetensors")] },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const dir = tempDir();
      const p = await smallProblem(dir);
      const bytes = readFileSync(p.model);
      const files: Record<string, string> = {
        dir,
        model: p.model,
        data: p.data,
        out: join(dir, "out.safetensors"),
        missing: join(dir, "nope.safetensors"),
        truncated: join(dir, "truncated.safetensors"),
        garbage: join(dir, "garbage.safetensors"),
        narrow: join(dir, "narrow.safetensors"),
        nan: join(dir, "nan.safetensors"),
      };
      writeFileSync(files.truncated!, bytes.subarray(0, bytes.length - 9));
      writeFileSync(files.garbage!, Buffer.from("this is not a safetensors file at all"));
      await writeData(files.narrow!, { name: "narrow", inputs: ndarray(new Float64Array(6), [3, 2]), targets: ndarray(new Float64Array(9), [3, 3]) });
      const bad = new Float64Array(12);
      bad[5] = NaN;
      await writeData(files.nan!, { name: "nan", inputs: ndarray(bad, [3, 4]), targets: ndarray(new Float64Array(9), [3, 3]) });
      const r = runCli(c.args(files));
      assert.equal(r.code, c.code, `exit code (stderr: ${r.stderr})`);
      assert.match(r.stderr, c.pattern);
      assert.equal(r.stderr.trim().split("\n").length, 1, `one line on stderr, got:\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace without --debug");
      assert.equal(r.stdout, "");
      assert.equal(existsSync(files.out!), false, "no output file after a failure");
    });
  }

  test("--debug adds the stack trace", async () => {
    const dir = tempDir();
    const p = await smallProblem(dir);
    const r = runCli(["evaluate", "--model", join(dir, "nope.safetensors"), "--data", p.data, "--debug"]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /\n\s+at /);
  });
});

test("--help lists every command and the exit codes", () => {
  const r = runCli(["--help"]);
  assert.equal(r.code, 0);
  for (const word of ["evaluate", "hvp", "Exit codes"]) assert.match(r.stdout, new RegExp(word));
});

describe("hessian-lab bench --profile", () => {
  test("--json breaks each product into kernels: 3L − 1 GEMMs for a gradient of L layers, parts summing to at most the total", () => {
    const r = runCli(["bench", "--profile", "--models", "curves-autoencoder", "--batch", "8", "--repeats", "1", "--warmup", "0", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { profile: { op: string; total_ms: number; gemm_ms: number; elementwise_ms: number; minor_page_faults: number; kernels: { kernel: string; calls: number }[] }[] };
    assert.deepEqual(out.profile.map((p) => p.op), ["grad", "hv", "gv", "fv"]);
    const layers = autoencoderPreset("curves").layers.length;
    const gradGemms = out.profile[0]!.kernels.filter((k) => k.kernel.startsWith("gemm")).reduce((s, k) => s + k.calls, 0);
    assert.equal(gradGemms, 3 * layers - 1);
    for (const p of out.profile) {
      assert.ok(p.gemm_ms > 0 && p.elementwise_ms >= 0 && p.gemm_ms + p.elementwise_ms <= p.total_ms + 1e-9, JSON.stringify(p));
      assert.ok(Number.isFinite(p.minor_page_faults) && p.minor_page_faults >= 0);
    }
  });
});
