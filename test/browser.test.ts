/** @file the portable WebAssembly backend in a real browser (Debian's chromium via playwright-core): two threads over shared memory */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runPage, skipWithoutChromium as skip } from "./browserHelpers.js";

interface GemmPageResult {
  readonly name?: string;
  readonly threads?: number;
  readonly crossOriginIsolated?: boolean;
  readonly maxErr?: number;
  readonly sigmoidErr?: number;
  readonly workerError?: string | null;
  readonly error?: string;
}

/** Runs test/browser/page.js and checks what every variant must report. */
async function runGemmPage(isolated: boolean): Promise<GemmPageResult> {
  const { result: r } = await runPage<GemmPageResult>("/test/browser/page.js", isolated);
  assert.equal(r.error, undefined, r.error);
  assert.match(r.name ?? "", /^portable-wasm-(relaxed-)?simd$/);
  assert.ok((r.maxErr ?? Infinity) < 1e-3, `GEMM error ${r.maxErr}`);
  assert.ok((r.sigmoidErr ?? Infinity) < 1e-6, `sigmoid error ${r.sigmoidErr}`);
  return r;
}

test("in Chromium, cross-origin isolated, the WebAssembly backend runs GEMM on two threads (main + module Worker) and the SIMD sigmoid, matching float64 loops", { skip, timeout: 120_000 }, async () => {
  const r = await runGemmPage(true);
  assert.equal(r.crossOriginIsolated, true);
  assert.equal(r.workerError, null);
  assert.equal(r.threads, 2, "the worker came up and takes half of each large product");
});

test("in Chromium without cross-origin isolation (no SharedArrayBuffer) it runs on the page's thread alone, with the same results", { skip, timeout: 120_000 }, async () => {
  const r = await runGemmPage(false);
  assert.equal(r.crossOriginIsolated, false);
  assert.equal(r.threads, 1);
});
