/** @file what the Chromium tests share: a static server for the repository on 127.0.0.1 and a page run that returns its report */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join, normalize } from "node:path";
import { chromium } from "playwright-core";
import ts from "typescript";

// Chromium is an optional extra (scripts/browser-test.sh installs it); without it the tests are
// skipped, with the reason, rather than failed. They load dist/ as built by `npm ci`.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** The repository root, which the server serves. */
export const ROOT = join(import.meta.dirname, "..");
const TYPES: Record<string, string> = { ".js": "text/javascript", ".html": "text/html" };

/** The skip reason of a browser test: false where Chromium is installed. */
export const skipWithoutChromium = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (scripts/browser-test.sh installs Debian's chromium)`;

/**
 * The file behind a request path, or null. A test/browser/*.js with no file of that name is its .ts
 * beside it, transpiled (type-only imports vanish), so the page and Node run one typed source.
 */
function fileBody(pathname: string): Buffer | string | null {
  const path = normalize(join(ROOT, pathname));
  if (!path.startsWith(ROOT + "/")) return null;
  if (existsSync(path)) return readFileSync(path);
  const source = path.replace(/\.js$/, ".ts");
  if (path.startsWith(join(ROOT, "test/browser/")) && path.endsWith(".js") && existsSync(source)) {
    const options = { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true };
    return ts.transpileModule(readFileSync(source, "utf8"), { compilerOptions: options }).outputText;
  }
  return null;
}

/** A static server; `isolated` adds the headers that give a page SharedArrayBuffer. "/" runs `page`. */
function serve(page: string, isolated: boolean, requested: string[]): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const headers: Record<string, string> = isolated ? { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" } : {};
    if (url.pathname === "/") {
      res.writeHead(200, { ...headers, "Content-Type": "text/html" });
      res.end(`<!doctype html><script type="module" src="${page}"></script>`);
      return;
    }
    requested.push(url.pathname);
    const body = fileBody(url.pathname);
    if (body === null) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, "Content-Type": TYPES[extname(url.pathname)] ?? "application/octet-stream" });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as { port: number }).port })));
}

/** What a page run gives back: the report the page left in `window.__result`, and every path it fetched. */
export interface PageRun<R> {
  readonly result: R;
  readonly requested: readonly string[];
}

/**
 * Loads `page` (a module path under the repository) in headless Chromium and waits for the page to
 * set `window.__result`; uncaught page errors fail the run.
 */
export async function runPage<R>(page: string, isolated: boolean): Promise<PageRun<R>> {
  assert.ok(existsSync(join(ROOT, "dist/index.js")), "dist/ is built by npm ci (the prepare script)");
  const requested: string[] = [];
  const { server, port } = await serve(page, isolated, requested);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  try {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on("pageerror", (e) => errors.push(e.message));
    await tab.goto(`http://127.0.0.1:${port}/`);
    await tab.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: 60_000 });
    const result = await tab.evaluate(() => (window as unknown as { __result: R }).__result);
    assert.deepEqual(errors, []);
    return { result, requested };
  } finally {
    await browser.close();
    server.close();
  }
}
