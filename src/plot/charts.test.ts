/** @file every chart renders to an SVG whose data marks match its data (counts, vertices, labels), and to a valid PNG */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { densityChart, eigenvalueChart, landscape1dChart, landscape2dChart, lineChart, quantileLevels, renderSvg, taylorChart, type ChartSpec } from "./index.js";
import { logAxis } from "./chart.js";
import { renderChart, svgToPng } from "./png.js";

/** The leaf children of every `<g class="mark-{type} role-mark …">` group, in document order. */
function marks(svg: string, type: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*>(.*?)</g>`, "gs");
  for (const m of svg.matchAll(re)) out.push(...(m[1]!.match(/<(path|line)\b[^>]*\/>/g) ?? []));
  return out;
}

/** The number of vertices of a path made of M/L commands (how Vega writes lines). */
function vertices(path: string): number {
  const d = /\bd="([^"]*)"/.exec(path)?.[1] ?? "";
  return (d.match(/[ML]/g) ?? []).length;
}

/** An SVG document is well formed when resvg (a strict XML parser) accepts it; checks the basics first. */
function checkSvg(svg: string): void {
  assert.ok(svg.startsWith("<svg") && svg.trimEnd().endsWith("</svg>"), "an SVG document");
  assert.match(svg, /xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.ok(!/NaN|undefined/.test(svg), "no NaN or undefined leaked into the markup");
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from the IHDR chunk, after checking the signature. */
function pngSize(png: Uint8Array): { width: number; height: number } {
  assert.deepEqual(Array.from(png.subarray(0, 8)), PNG_SIGNATURE);
  assert.equal(new TextDecoder().decode(png.subarray(12, 16)), "IHDR");
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]*\bwidth="([\d.]+)"[^>]*\bheight="([\d.]+)"/.exec(svg);
  assert.ok(m !== null, "the SVG root has a width and height");
  return { width: Number(m[1]), height: Number(m[2]) };
}

const xs = Array.from({ length: 50 }, (_, i) => i + 1);

describe("charts render their data", () => {
  test("lineChart: one path per series with one vertex per finite point; log-y drops non-positive values", async () => {
    const y2 = xs.map((x) => (x === 10 ? 0 : x === 20 ? NaN : 1 / x));
    const svg = await renderSvg(
      lineChart({ title: "loss", xLabel: "epoch", yLabel: "loss", logY: true, series: [{ name: "HF", x: xs, y: xs.map((x) => Math.exp(-x / 9)) }, { name: "SGD", x: xs, y: y2, dashed: true }] }),
    );
    checkSvg(svg);
    const lines = marks(svg, "line");
    assert.equal(lines.length, 2);
    assert.deepEqual(lines.map(vertices), [50, 48]);
    assert.match(lines[0]!, /series: HF/);
    assert.match(lines[1]!, /stroke-dasharray="6,4"/);
    assert.match(svg, /role-legend/);
    assert.match(svg, />epoch</);
  });

  test("eigenvalueChart: a stem and a dot per eigenvalue, one zero line", async () => {
    const svg = await renderSvg(eigenvalueChart({ series: [{ name: "GGN", values: [5, 3, 1] }, { name: "Hessian", values: [6, 2, -1, 0.5] }] }));
    checkSvg(svg);
    assert.equal(marks(svg, "symbol").length, 7);
    assert.equal(marks(svg, "rule").length, 7 + 1);
    assert.match(svg, /rank: 3; eigenvalue λ: −1; series: Hessian/); // Vega formats with U+2212
  });

  test("densityChart: a band and a line per series; no band with one probe (NaN stderr)", async () => {
    const grid = Array.from({ length: 200 }, (_, i) => -1 + i / 50);
    const density = grid.map((t) => Math.exp(-t * t * 4));
    const svg = await renderSvg(
      densityChart({
        series: [
          { name: "before", grid, density, stderr: density.map((d) => 0.1 * d) },
          { name: "after", grid, density: density.map((d) => d / 2), stderr: density.map(() => NaN) },
        ],
      }),
    );
    checkSvg(svg);
    assert.equal(marks(svg, "area").length, 1);
    const lines = marks(svg, "line");
    assert.equal(lines.length, 2);
    assert.deepEqual(lines.map(vertices), [200, 200]);
    const log = await renderSvg(densityChart({ logY: true, series: [{ name: "h", grid, density: density.map((d, i) => (i % 2 === 0 ? 0 : d)) }] }));
    checkSvg(log);
    assert.equal(vertices(marks(log, "line")[0]!), 200, "zeros are raised to the floor, not dropped");
  });

  test("landscape1dChart: loss and model lines over every α, and the rule at θ", async () => {
    const alphas = Array.from({ length: 41 }, (_, i) => -1 + i / 20);
    const svg = await renderSvg(landscape1dChart({ alphas, loss: alphas.map((a) => 1 + a * a + a ** 3), quadratic: alphas.map((a) => 1 + a * a) }));
    checkSvg(svg);
    const lines = marks(svg, "line");
    assert.deepEqual(lines.map(vertices), [41, 41]);
    assert.equal(marks(svg, "rule").length, 1);
    assert.match(svg, /quadratic model q/);
  });

  test("landscape2dChart: one filled contour per level, model contours at the same levels, a marker at θ", async () => {
    const n = 15;
    const ax = Array.from({ length: n }, (_, i) => -1 + (2 * i) / (n - 1));
    const loss: number[] = [];
    const quad: number[] = [];
    for (const b of ax) for (const a of ax) { loss.push(a * a + 2 * b * b + 0.3 * a ** 3); quad.push(a * a + 2 * b * b); }
    const levels = quantileLevels(loss, 10);
    const svg = await renderSvg(landscape2dChart({ alphas: ax, betas: ax, loss, quadratic: quad, levels }));
    checkSvg(svg);
    const paths = marks(svg, "path");
    assert.equal(paths.length, 2 * levels.length);
    assert.ok(paths.slice(0, levels.length).every((p) => /fill="rgb\(/.test(p)), "loss contours are filled");
    assert.ok(paths.slice(levels.length).every((p) => /stroke-dasharray/.test(p)), "model contours are dashed");
    assert.equal(marks(svg, "symbol").length, 1);
    assert.match(svg, /role-legend/);
  });

  test("taylorChart: a dot per measured point and the fitted line; non-positive errors are left out", async () => {
    const points = [1e-4, 1e-3, 1e-2, 1e-1].map((t) => ({ t, error: t ** 3 }));
    const svg = await renderSvg(taylorChart({ points: [...points, { t: 0.5, error: 0 }], order: 3, anchor: { t: 1e-2, error: 1e-6 } }));
    checkSvg(svg);
    assert.equal(marks(svg, "symbol").length, 4);
    const lines = marks(svg, "line");
    assert.equal(lines.length, 2);
    assert.equal(vertices(lines[0]!), 4);
    assert.match(svg, /fit: error ∝ t\^3\.00/);
  });

  test("bad data is an error, not a broken picture", () => {
    assert.throws(() => lineChart({ xLabel: "x", yLabel: "y", series: [{ name: "a", x: [1, 2], y: [1] }] }), /x has 2 values but y has 1/);
    assert.throws(() => landscape2dChart({ alphas: [0, 1], betas: [0, 1], loss: [1, 2, 3] }), /4 values per grid/);
    assert.throws(() => eigenvalueChart({ series: [{ name: "a", values: [1] }, { name: "a", values: [2] }] }), /distinct/);
  });
});

describe("helpers", () => {
  test("quantileLevels are ascending, distinct and start at the minimum", () => {
    assert.deepEqual(quantileLevels([3, 1, 2, 2, 2, NaN, 4], 4), [1, 2, 3]);
    assert.deepEqual(quantileLevels([NaN], 4), []);
  });
  test("logAxis ticks at powers of ten only when the range spans them", () => {
    assert.deepEqual(logAxis(0.003, 20).values, [0.01, 0.1, 1, 10]);
    assert.deepEqual(logAxis(2, 8), {});
    assert.deepEqual(logAxis(0, 8), {});
  });
});

describe("PNG", () => {
  const charts: [string, ChartSpec][] = [
    ["line", lineChart({ xLabel: "x", yLabel: "y", series: [{ name: "a", x: xs, y: xs }] })],
    ["landscape2d", landscape2dChart({ alphas: [-1, 0, 1], betas: [-1, 0, 1], loss: [2, 1, 2, 1, 0, 1, 2, 1, 2] })],
  ];
  for (const [name, chart] of charts) {
    test(`${name}: a PNG with the signature, twice the SVG's size at scale 2, and real content`, async () => {
      const { svg, png, seconds } = await renderChart(chart);
      const s = svgSize(svg);
      const p = pngSize(png);
      assert.equal(p.width, Math.round(2 * s.width));
      assert.equal(p.height, Math.round(2 * s.height));
      assert.ok(png.length > 5000, `${png.length} bytes is too small for a chart`);
      assert.ok(seconds.svg >= 0 && seconds.png >= 0);
    });
  }
  test("scale 1 halves the pixels; malformed SVG and a bad scale are errors", () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="40" height="30" fill="red"/></svg>';
    assert.deepEqual(pngSize(svgToPng(svg, { scale: 1 })), { width: 40, height: 30 });
    assert.throws(() => svgToPng("<svg><g></svg>"));
    assert.throws(() => svgToPng(svg, { scale: 0 }), /scale/);
  });
});
