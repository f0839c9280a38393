/** @file the Hessian explorer end to end in Chromium: built by Vite, served on 127.0.0.1, numbers read from the DOM against the library in Node */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { after, before, test } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { classifyCriticalPoint, grad, hessian, linalg, tensor } from "../src/index.js";
import { DEFAULT_QUADRATIC, labFunction, scalarForm, type FunctionName } from "../web/src/functions.js";
import { RACE_ITERATIONS, RACERS, runRace } from "../web/src/raceModel.js";
import { ROOT, skipWithoutChromium as skip } from "./browserHelpers.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const TYPES: Record<string, string> = { ".js": "text/javascript", ".html": "text/html", ".css": "text/css" };

let out = "";
let server: Server | undefined;
let origin = "";
let browser: Browser | undefined;

/** Serves `dir` on 127.0.0.1 at an ephemeral port. */
function serveDir(dir: string): Promise<{ server: Server; origin: string }> {
  const s = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = normalize(join(dir, url.pathname === "/" ? "index.html" : url.pathname));
    if (!path.startsWith(dir + "/") || !existsSync(path)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { "Content-Type": TYPES[extname(path)] ?? "application/octet-stream" });
    res.end(readFileSync(path));
  });
  return new Promise((resolve) => s.listen(0, "127.0.0.1", () => resolve({ server: s, origin: `http://127.0.0.1:${(s.address() as { port: number }).port}` })));
}

before(async () => {
  if (skip !== false) return;
  out = mkdtempSync(join(tmpdir(), "hessian-web-"));
  // the production build, as `npm run build:web` makes it, but into the test's own folder
  execFileSync(process.execPath, [join(ROOT, "node_modules/vite/bin/vite.js"), "build", "web", "--outDir", join(out, "dist"), "--emptyOutDir", "--logLevel", "error"], { cwd: ROOT, stdio: "pipe" });
  ({ server, origin } = await serveDir(join(out, "dist")));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** A tab that records console errors, page errors and every request that is not to our server. */
async function openTab(path: string): Promise<{ tab: Page; errors: string[]; foreign: string[] }> {
  const tab = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const foreign: string[] = [];
  tab.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  tab.on("pageerror", (e) => errors.push(e.message));
  await tab.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.origin === origin || url.protocol === "data:" || url.protocol === "blob:") return route.continue();
    foreign.push(url.href);
    return route.abort();
  });
  await tab.goto(`${origin}/${path}`);
  return { tab, errors, foreign };
}

/** The eigenvalues and class the page shows once its analysis of (x, y) has arrived. */
async function readLab(tab: Page): Promise<{ eigenvalues: number[]; classification: string }> {
  await tab.waitForFunction(() => (document.querySelector('[data-testid="eigenvalues"]')?.textContent ?? "") !== "", undefined, { timeout: 30_000 });
  const text = await tab.locator('[data-testid="eigenvalues"]').innerText();
  const classification = await tab.locator('[data-testid="classification"]').innerText();
  return { eigenvalues: text.split(",").map((s) => Number(s.trim())), classification };
}

/** The library's own numbers in Node: eigenvalues (descending) and class, by grad, hessian, eigh and classifyCriticalPoint. */
function nodeTruth(fn: FunctionName, x: number, y: number): { eigenvalues: number[]; kind: string; critical: boolean } {
  const f = scalarForm(labFunction(fn, DEFAULT_QUADRATIC));
  const p = tensor([x, y]);
  const h = Float64Array.from(hessian(f)(p).data());
  const values = Array.from(linalg.eigh(h, 2).values).reverse();
  const g = grad(f)(p).toArray();
  const scale = Math.max(1, ...values.map(Math.abs));
  const c = classifyCriticalPoint({ lambdaMin: values[1]!, lambdaMax: values[0]!, gradientNorm: Math.hypot(g[0]!, g[1]!) }, { zeroThreshold: 1e-6 * scale, gradientTolerance: 1e-5 });
  return { eigenvalues: values, kind: c.kind, critical: c.critical };
}

function assertNear(page: readonly number[], node: readonly number[], what: string): void {
  assert.equal(page.length, node.length, what);
  // nine significant digits on screen: 5e-9 relative, or absolute where the value is 0
  page.forEach((v, i) => assert.ok(Math.abs(v - node[i]!) <= 5e-9 * Math.max(Math.abs(node[i]!), 1e-300) || (node[i] === 0 && v === 0), `${what}: page ${v}, node ${node[i]}`));
}

for (const [fn, x, y, expected] of [
  ["rosenbrock", 1, 1, "minimum"],
  ["himmelblau", -0.270845, -0.923039, "maximum"],
  ["monkey-saddle", 0, 0, "degenerate"],
] as const) {
  test(`?f=${fn}&x=${x}&y=${y} shows the library's eigenvalues and the class "${expected}"`, { skip, timeout: 120_000 }, async (t) => {
    const { tab, errors, foreign } = await openTab(`?f=${fn}&x=${x}&y=${y}`);
    const shown = await readLab(tab);
    const truth = nodeTruth(fn, x, y);
    t.diagnostic(`page ${shown.eigenvalues.join(", ")} (${shown.classification}); node ${truth.eigenvalues.join(", ")} (${truth.kind})`);
    assertNear(shown.eigenvalues, truth.eigenvalues, "eigenvalues");
    assert.equal(truth.critical, true);
    assert.equal(truth.kind, expected);
    assert.equal(shown.classification, expected);
    await tab.screenshot({ path: join(out, `lab-${fn}.png`) });
    assert.deepEqual(errors, []);
    assert.deepEqual(foreign, []);
    await tab.close();
  });
}

test("clicking the canvas moves the point: the URL, the inputs and the numbers follow the library's values there", { skip, timeout: 120_000 }, async (t) => {
  const { tab, errors, foreign } = await openTab("?f=himmelblau&x=3&y=2");
  const before = await readLab(tab);
  assert.equal(before.classification, "minimum");
  const beforeText = await tab.locator('[data-testid="eigenvalues"]').innerText();
  const canvas = tab.locator("#plot");
  const box = (await canvas.boundingBox())!;
  // a quarter of the way in from the top-left: (x, y) = (−2.5, 2.5) on himmelblau's [−5, 5]² view
  await canvas.click({ position: { x: box.width / 4, y: box.height / 4 } });
  await tab.waitForFunction(() => new URL(location.href).searchParams.get("x") !== "3", undefined, { timeout: 10_000 });
  const params = new URL(tab.url()).searchParams;
  const [x, y] = [Number(params.get("x")), Number(params.get("y"))];
  assert.ok(Math.abs(x + 2.5) < 0.02 && Math.abs(y - 2.5) < 0.02, `clicked point (${x}, ${y})`);
  assert.equal(Number(await tab.locator("#x").inputValue()), x);
  const truth = nodeTruth("himmelblau", x, y);
  await tab.waitForFunction((v) => document.querySelector('[data-testid="eigenvalues"]')?.textContent !== v, beforeText, { timeout: 10_000 });
  const after = await readLab(tab);
  t.diagnostic(`clicked (${x}, ${y}): page ${after.eigenvalues.join(", ")} (${after.classification}); node ${truth.eigenvalues.join(", ")}`);
  assertNear(after.eigenvalues, truth.eigenvalues, "eigenvalues after the click");
  assert.equal(after.classification, "not critical");
  await tab.screenshot({ path: join(out, "lab-clicked.png") });
  assert.deepEqual(errors, []);
  assert.deepEqual(foreign, []);
  await tab.close();
  t.diagnostic(`screenshots in ${out}`);
});

test("?view=race: each optimizer's steps, final f and stop match runRace in Node; a click on the plot moves the start and reruns the race", { skip, timeout: 120_000 }, async (t) => {
  const { tab, errors, foreign } = await openTab("?view=race&f=rosenbrock&x=-1.2&y=1&lr=0.001&lam=0");
  const rows = tab.locator('[data-testid="race-summary"] tbody tr');
  await rows.nth(RACERS.length - 1).waitFor({ timeout: 60_000 });
  const read = async (): Promise<string[][]> => rows.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-racer") ?? "", ...Array.from(tr.querySelectorAll("td")).slice(1).map((td) => td.textContent ?? "")]));
  const compare = async (x: number, y: number): Promise<void> => {
    const node = runRace({ fn: "rosenbrock", quadratic: DEFAULT_QUADRATIC, x, y }, { learningRate: 0.001, newtonDamping: 0, iterations: RACE_ITERATIONS });
    const shown = await read();
    assert.equal(shown.length, node.racers.length);
    node.racers.forEach((r, i) => {
      const [name, steps, value, stop] = shown[i]!;
      t.diagnostic(`(${x}, ${y}) ${r.name}: page ${steps} steps, f ${value}, ${stop}; node ${r.path.length - 1}, ${r.values.at(-1)}, ${r.stop}`);
      assert.equal(name, r.name);
      assert.equal(Number(steps), r.path.length - 1);
      assert.equal(stop, r.stop);
      const v = r.values.at(-1)!;
      assert.ok(Math.abs(Number(value) - v) <= 5e-6 * Math.max(Math.abs(v), 1e-300) || (v === 0 && Number(value) === 0), `${r.name}: ${value} vs ${v}`);
    });
  };
  await compare(-1.2, 1);
  assert.equal(await tab.locator("#race").isVisible(), true);
  assert.equal(await tab.locator("#lab").isVisible(), false);
  await tab.screenshot({ path: join(out, "race-rosenbrock.png") });
  const before = JSON.stringify(await read());
  const canvas = tab.locator("#race-plot");
  const box = (await canvas.boundingBox())!;
  await canvas.click({ position: { x: box.width * 0.75, y: box.height * 0.75 } });
  await tab.waitForFunction((b) => {
    const trs = Array.from(document.querySelectorAll('[data-testid="race-summary"] tbody tr'));
    return JSON.stringify(trs.map((tr) => [tr.getAttribute("data-racer") ?? "", ...Array.from(tr.querySelectorAll("td")).slice(1).map((td) => td.textContent ?? "")])) !== b;
  }, before, { timeout: 30_000 });
  const params = new URL(tab.url()).searchParams;
  assert.equal(params.get("view"), "race");
  await compare(Number(params.get("x")), Number(params.get("y")));
  await tab.screenshot({ path: join(out, "race-clicked.png") });
  assert.deepEqual(errors, []);
  assert.deepEqual(foreign, []);
  await tab.close();
});

test("'Find critical point' lands on himmelblau's minimum (3.584428, −1.848126); arrow keys then move the point by 1% of the view", { skip, timeout: 120_000 }, async () => {
  const { tab, errors, foreign } = await openTab("?f=himmelblau&x=3.5&y=-2");
  assert.equal((await readLab(tab)).classification, "not critical");
  await tab.getByRole("button", { name: "Find critical point" }).click();
  await tab.waitForFunction(() => document.querySelector('[data-testid="classification"]')?.textContent === "minimum", undefined, { timeout: 30_000 });
  const params = new URL(tab.url()).searchParams;
  const [x, y] = [Number(params.get("x")), Number(params.get("y"))];
  assert.ok(Math.hypot(x - 3.58442834033, y + 1.848126526964) < 1e-8, `found (${x}, ${y})`);
  assertNear((await readLab(tab)).eigenvalues, nodeTruth("himmelblau", x, y).eigenvalues, "eigenvalues at the found minimum");
  assert.match(await tab.locator("#status").innerText(), /found a critical point/);
  await tab.locator("#plot").focus();
  await tab.keyboard.press("ArrowLeft");
  await tab.waitForFunction((x0) => Number(new URL(location.href).searchParams.get("x")) < x0 - 0.05, x, { timeout: 10_000 });
  const moved = Number(new URL(tab.url()).searchParams.get("x"));
  assert.ok(Math.abs(moved - (x - 0.1)) < 1e-3, `ArrowLeft moved x to ${moved}`);
  assert.deepEqual(errors, []);
  assert.deepEqual(foreign, []);
  await tab.close();
});

test("?f=quadratic&l1=2&l2=-1&theta=30 builds H = QΛQᵀ from the URL's sliders: eigenvalues 2 and −1, a saddle at the origin", { skip, timeout: 120_000 }, async () => {
  const { tab, errors, foreign } = await openTab("?f=quadratic&x=0&y=0&l1=2&l2=-1&theta=30");
  const shown = await readLab(tab);
  assertNear(shown.eigenvalues, [2, -1], "eigenvalues");
  assert.equal(shown.classification, "saddle");
  assert.equal(await tab.locator("#quadratic-controls").isVisible(), true);
  assert.equal(await tab.locator("#theta").inputValue(), "30");
  await tab.screenshot({ path: join(out, "lab-quadratic.png") });
  assert.deepEqual(errors, []);
  assert.deepEqual(foreign, []);
  await tab.close();
});
