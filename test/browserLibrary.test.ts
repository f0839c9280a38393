/** @file the built library in a real browser: gradient, Hv, Lanczos and trainAsync in Chromium match the same calls in Node */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import type * as Lib from "../src/index.js";
import { ROOT, runPage, skipWithoutChromium as skip } from "./browserHelpers.js";
import { runWorkload, type WorkloadResult } from "./browser/workload.js";

type PageResult = Partial<WorkloadResult> & { readonly crossOriginIsolated?: boolean; readonly error?: string };

/** |a − b| / |b| for numbers, ‖a − b‖∞ / ‖b‖∞ for vectors (0 when both are 0). */
function relativeDiff(a: number | readonly number[], b: number | readonly number[]): number {
  const [x, y] = [typeof a === "number" ? [a] : a, typeof b === "number" ? [b] : b];
  assert.equal(x.length, y.length);
  let diff = 0;
  let scale = 0;
  y.forEach((v, i) => {
    diff = Math.max(diff, Math.abs(x[i]! - v));
    scale = Math.max(scale, Math.abs(v));
  });
  return diff === 0 ? 0 : diff / scale;
}

test("in Chromium, the built dist/index.js computes a float64 gradient, Hv, top eigenvalue and five trainAsync steps equal to Node's (≤ 1e-12)", { skip, timeout: 180_000 }, async (t) => {
  // Node runs the same built JavaScript, so any difference is the platform's, not the build's
  const lib = (await import(pathToFileURL(join(ROOT, "dist/index.js")).href)) as typeof Lib;
  const node = await runWorkload(lib);
  const { result: page, requested } = await runPage<PageResult>("/test/browser/library.js", true);
  assert.equal(page.error, undefined, page.error);
  assert.equal(page.crossOriginIsolated, true);

  // the page loaded the library from dist/ and nothing it fetched names a Node built-in
  const modules = requested.filter((p) => p.startsWith("/dist/"));
  assert.ok(modules.includes("/dist/index.js"));
  for (const path of modules) assert.doesNotMatch(readFileSync(join(ROOT, path), "utf8"), /["']node:/, path);

  const browser = page as WorkloadResult;
  assert.equal(browser.backend, node.backend);
  assert.equal(browser.iterations, 5);
  assert.equal(node.iterations, 5);
  assert.ok(node.topResidual <= 1e-8 * Math.abs(node.topEigenvalue), `Lanczos residual ${node.topResidual}`);
  // Not bit for bit: Node 20's V8 (11.3) and Chromium's differ in the last ulp of Math.exp, log, sin, pow
  // (measured: exp on ~10% of 20,000 arguments), so results agree to ~1e-15 rather than exactly.
  const compared = [
    ["loss L(θ)", browser.loss, node.loss],
    ["gradient ∇L", browser.grad, node.grad],
    ["Hessian product Hv", browser.hv, node.hv],
    ["top eigenvalue λ₁", browser.topEigenvalue, node.topEigenvalue],
    ["batch losses and final loss of trainAsync", browser.trainLosses, node.trainLosses],
    ["trained θ after 5 steps", browser.trainedTheta, node.trainedTheta],
  ] as const;
  t.diagnostic(`backend ${node.backend}, ${node.parameters} parameters, ${modules.length} modules fetched from dist/, none importing node:`);
  for (const [name, b, n] of compared) {
    const rel = relativeDiff(b, n);
    const show = (v: number | readonly number[]): string => (typeof v === "number" ? String(v) : `[${v.slice(0, 3).join(", ")}, …] (${v.length})`);
    t.diagnostic(`${name}: browser ${show(b)}  node ${show(n)}  relative difference ${rel}${rel === 0 ? " (identical)" : ""}`);
    assert.ok(rel <= 1e-12, `${name}: relative difference ${rel}`);
  }
  t.diagnostic(`Lanczos residual ‖Hq − λq‖: browser ${browser.topResidual}, node ${node.topResidual}`);
});
