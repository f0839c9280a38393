/** @file the portable WebAssembly backend in a real browser (Debian's chromium via playwright-core): two threads over shared memory */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join, normalize } from "node:path";
import { test } from "node:test";
import { chromium } from "playwright-core";

// Chromium is an optional extra (scripts/browser-test.sh installs it); without it this test is
// skipped, with the reason, rather than failed. It loads dist/ as built by `npm ci`.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ROOT = join(import.meta.dirname, "..");
const TYPES: Record<string, string> = { ".js": "text/javascript", ".html": "text/html" };

/** A static server for the repository; `isolated` adds the headers that give a page SharedArrayBuffer. */
function serve(isolated: boolean): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const headers: Record<string, string> = isolated ? { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" } : {};
    if (url.pathname === "/") {
      res.writeHead(200, { ...headers, "Content-Type": "text/html" });
      res.end('<!doctype html><script type="module" src="/test/browser/page.js"></script>');
      return;
    }
    const path = normalize(join(ROOT, url.pathname));
    if (!path.startsWith(ROOT) || !existsSync(path)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, "Content-Type": TYPES[extname(path)] ?? "application/octet-stream" });
    res.end(readFileSync(path));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as { port: number }).port })));
}

interface PageResult {
  readonly name?: string;
  readonly threads?: number;
  readonly crossOriginIsolated?: boolean;
  readonly maxErr?: number;
  readonly sigmoidErr?: number;
  readonly workerError?: string | null;
  readonly error?: string;
}

/** Loads the test page in Chromium and returns what it reported. */
async function runPage(isolated: boolean): Promise<PageResult> {
  assert.ok(existsSync(join(ROOT, "dist/kernels/backends/wasm.js")), "dist/ is built by npm ci (the prepare script)");
  const { server, port } = await serve(isolated);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: 60_000 });
    const r = await page.evaluate(() => (window as unknown as { __result: PageResult }).__result);
    assert.deepEqual(errors, []);
    assert.equal(r.error, undefined, r.error);
    assert.match(r.name ?? "", /^portable-wasm-(relaxed-)?simd$/);
    assert.ok((r.maxErr ?? Infinity) < 1e-3, `GEMM error ${r.maxErr}`);
    assert.ok((r.sigmoidErr ?? Infinity) < 1e-6, `sigmoid error ${r.sigmoidErr}`);
    return r;
  } finally {
    await browser.close();
    server.close();
  }
}

const skip = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (scripts/browser-test.sh installs Debian's chromium)`;

test("in Chromium, cross-origin isolated, the WebAssembly backend runs GEMM on two threads (main + module Worker) and the SIMD sigmoid, matching float64 loops", { skip, timeout: 120_000 }, async () => {
  const r = await runPage(true);
  assert.equal(r.crossOriginIsolated, true);
  assert.equal(r.workerError, null);
  assert.equal(r.threads, 2, "the worker came up and takes half of each large product");
});

test("in Chromium without cross-origin isolation (no SharedArrayBuffer) it runs on the page's thread alone, with the same results", { skip, timeout: 120_000 }, async () => {
  const r = await runPage(false);
  assert.equal(r.crossOriginIsolated, false);
  assert.equal(r.threads, 1);
});
