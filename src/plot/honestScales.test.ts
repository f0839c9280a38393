/** @file charts say what they leave out: a clipped colour scale says so, a density plot has no empty stretch of axis */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Spec } from "vega";
import type { TopLevelSpec } from "vega-lite";
import { densityChart, landscape2dChart } from "./index.js";

const titleText = (t: unknown): string => (Array.isArray(t) ? t.join(" ") : String(t));

describe("landscape2dChart colour scale", () => {
  const alphas = [-1, -0.5, 0, 0.5, 1];
  const betas = alphas;
  // a bowl with one steep corner: the quantile levels end well below the maximum
  const loss = betas.flatMap((b) => alphas.map((a) => a * a + b * b + (a === 1 && b === 1 ? 40 : 0)));
  test("quantile levels clip the scale below the maximum: the legend says clipped, and at what", () => {
    const spec = landscape2dChart({ alphas, betas, loss }).spec as Spec;
    const title = titleText(spec.legends![0]!.title);
    assert.match(title, /clipped/);
    assert.match(title, /42/, "names the maximum it does not show");
  });
  test("levels that span the whole range: no clipping claimed", () => {
    const levels = [0, 1, 2, 10, 42];
    const spec = landscape2dChart({ alphas, betas, loss, levels }).spec as Spec;
    assert.doesNotMatch(titleText(spec.legends![0]!.title), /clipped/);
  });
});

describe("densityChart x axis", () => {
  test("on a log axis the x domain ends where the density leaves the floor, not at an invisible node (no empty stretch)", () => {
    const grid = Float64Array.from({ length: 200 }, (_, i) => -0.1 + (1.15 * i) / 199);
    // visible mass on [−0.1, 0.45]; beyond that only what the floor hides
    const density = grid.map((t) => (t < 0.45 ? 40 * Math.exp(-0.5 * (t / 0.02) ** 2) + 1e-4 : 1e-12));
    const spec = densityChart({ series: [{ name: "H", grid, density }], logY: true }).spec as TopLevelSpec & { encoding: { x: { scale: { domain?: [number, number] } } } };
    const domain = spec.encoding.x.scale.domain;
    assert.ok(domain !== undefined, "an explicit x domain");
    assert.ok(domain[1] < 0.55 && domain[1] >= 0.44, `domain ends at ${domain[1]}`);
    assert.ok(domain[0] <= -0.09, `domain starts at ${domain[0]}`);
  });
  test("a linear axis keeps every visible outlier in the domain", () => {
    const grid = Float64Array.from({ length: 100 }, (_, i) => i / 99);
    const density = grid.map((t) => Math.exp(-0.5 * ((t - 0.1) / 0.02) ** 2) + 0.05 * Math.exp(-0.5 * ((t - 0.95) / 0.01) ** 2));
    const spec = densityChart({ series: [{ name: "H", grid, density }] }).spec as TopLevelSpec & { encoding: { x: { scale: { domain?: [number, number] } } } };
    const domain = spec.encoding.x.scale.domain!;
    assert.ok(domain[1] >= 0.95, `domain ends at ${domain[1]}`);
  });
});
