/** @file `hessian-lab demo` (npm start) end to end on a tiny budget: the report and its plots exist and hold data */
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, tempDir } from "./cliHelpers.js";

test("demo writes index.html, report.json, every chart as SVG and PNG, and the digit grid", () => {
  const out = join(tempDir(), "report");
  const r = runCli(["demo", "--seconds", "1", "--train-size", "60", "--test-size", "20", "--analysis-cases", "20", "--out", out, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    runs: { optimizer: string; points: { train_error: number }[] }[];
    spectra: { label: string; top: { value: number; residual: number }[]; bottom: unknown[]; kind: string; condition: { exact: number | null; reason: string } }[];
    landscape: { loss: number[] };
    report_path: string;
  };
  assert.deepEqual(report.runs.map((x) => x.optimizer), ["hf", "momentum", "adam"]);
  for (const run of report.runs) {
    assert.ok(run.points.length >= 2, `${run.optimizer} has a curve`);
    assert.ok(run.points.at(-1)!.train_error < run.points[0]!.train_error, `${run.optimizer} lowered the error`);
  }
  assert.equal(report.spectra.length, 4);
  for (const s of report.spectra) assert.ok(s.top.length === 5 && s.top.every((e) => Number.isFinite(e.value) && e.residual >= 0), s.label);
  // without bottom eigenvalues (the GGN rows) neither a class nor a condition number can be claimed
  for (const s of report.spectra.filter((x) => x.bottom.length === 0)) {
    assert.equal(s.kind, "unknown", s.label);
    assert.equal(s.condition.exact, null, s.label);
    assert.match(s.condition.reason, /not computed/, s.label);
  }
  assert.equal(report.landscape.loss.length, 15 * 15);
  assert.equal(report.report_path, join(out, "index.html"));
  const html = readFileSync(join(out, "index.html"), "utf8");
  assert.ok(!/GGN[^<]*<\/b>: minimum-like/.test(html), "no class for the GGN from its top eigenvalues");
  for (const section of ["1. Training", "2. Reconstructions", "3. Curvature", "4. The loss landscape", "5. Reproduce"]) assert.ok(html.includes(section), section);
  assert.ok((html.match(/<svg/g) ?? []).length >= 5, "charts are inlined");
  assert.ok(html.includes("data:image/png;base64,"), "the digit grid is inlined");
  for (const chart of ["lossTime", "lossEpoch", "testTime", "eigen", "density", "landscape"]) {
    assert.ok(readFileSync(join(out, `${chart}.svg`), "utf8").startsWith("<svg"), `${chart}.svg`);
    const png = readFileSync(join(out, `${chart}.png`));
    assert.ok(png.subarray(1, 4).toString() === "PNG" && png.length > 5000, `${chart}.png`);
  }
  assert.ok(statSync(join(out, "reconstructions.png")).size > 1000);
  assert.deepEqual(JSON.parse(readFileSync(join(out, "report.json"), "utf8")), report);
  assert.ok(existsSync(join(out, "index.html")));
});
