/** @file the chart record every plot function returns, shared styling, and rendering a chart to an SVG string (browser-safe) */
import type { Spec, View } from "vega";
import type { TopLevelSpec } from "vega-lite";

/**
 * A chart as a declarative spec: Vega-Lite for ordinary charts, full Vega where Vega-Lite has no
 * mark for it (contours). Plot functions build these from plain data records; nothing is drawn
 * until renderSvg, so a browser can embed the same spec interactively instead.
 */
export type ChartSpec =
  | { readonly grammar: "vega-lite"; readonly spec: TopLevelSpec }
  | { readonly grammar: "vega"; readonly spec: Spec };

/** Size and title options every chart takes. */
export interface ChartFrame {
  readonly title?: string;
  /** A second, smaller title line (e.g. what a band or dash means). */
  readonly subtitle?: string;
  /** Plot-area width in CSS pixels. Default 480. */
  readonly width?: number;
  /** Plot-area height in CSS pixels. Default 300. */
  readonly height?: number;
}

/** The Vega-Lite `title` property for a frame (spread into a spec; empty when there is no title). */
export function titleOf(frame: ChartFrame): { title?: { text: string; subtitle?: string } } {
  if (frame.title === undefined && frame.subtitle === undefined) return {};
  return { title: { text: frame.title ?? "", ...(frame.subtitle === undefined ? {} : { subtitle: frame.subtitle }) } };
}

/** Default plot-area size. */
export const DEFAULT_SIZE = { width: 480, height: 300 } as const;

/**
 * Font stack for every text mark. Named fonts first so rasterizers without a generic "sans-serif"
 * mapping (resvg picks an arbitrary installed face) still get a sans face.
 */
export const CHART_FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";

/** Series colors (Tableau 10, the Vega default), exported so reports can match them in text. */
export const SERIES_COLORS: readonly string[] = [
  "#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac",
];

/** The series' names, in order, after checking they are distinct (colors and legends key on them). */
export function seriesNames(who: string, series: readonly { readonly name: string }[]): string[] {
  const names = series.map((s) => s.name);
  if (new Set(names).size !== names.length) throw new RangeError(`${who}: series names must be distinct`);
  return names;
}

/** The color scale that gives the named series the series colors in order. */
export function seriesColorScale(names: string[]): { domain: string[]; range: string[] } {
  return { domain: names, range: SERIES_COLORS.slice(0, Math.max(1, names.length)) };
}

/** Vega-Lite config shared by the charts: font, white background, light grid. */
export const VEGA_LITE_CONFIG = {
  font: CHART_FONT,
  background: "white",
  view: { stroke: "#ccc" },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#eee" },
  legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 260 },
  title: { fontSize: 14, anchor: "start" },
} as const;

/** The fields every Vega-Lite chart here starts with: schema, title, size (the frame's, else the default) and the shared config. */
export function vegaLiteFrame(frame: ChartFrame) {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    ...titleOf(frame),
    width: frame.width ?? DEFAULT_SIZE.width,
    height: frame.height ?? DEFAULT_SIZE.height,
    config: VEGA_LITE_CONFIG,
  } as const;
}

/**
 * Axis options for a log scale over data with the given positive range: when it spans at least two
 * powers of ten, ticks and labels at exactly those powers (plain numbers from 1e-3 to 1e4, "1e-7"
 * beyond); otherwise Vega's own ticks, which do better inside one decade.
 */
export function logAxis(lo: number, hi: number): { values?: number[]; labelExpr?: string } {
  if (!(lo > 0) || !(hi >= lo) || !Number.isFinite(hi)) return {};
  const first = Math.ceil(Math.log10(lo) - 1e-9);
  const last = Math.floor(Math.log10(hi) + 1e-9);
  if (last - first < 1) return {};
  const step = Math.max(1, Math.ceil((last - first + 1) / 12));
  const values: number[] = [];
  for (let e = first; e <= last; e += step) values.push(Number(`1e${e}`));
  return {
    values,
    labelExpr: "datum.value >= 1e-3 && datum.value < 1e4 ? format(datum.value, '~g') : format(datum.value, '.0e')",
  };
}

/** The smallest and largest positive finite value (for log axes); [NaN, NaN] when there is none. */
export function positiveRange(values: Iterable<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v > 0 && Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return lo <= hi ? [lo, hi] : [NaN, NaN];
}

/** The finite entries of an array-like as a plain array (NaN and ±∞ cannot be drawn). */
export function finitePairs(x: ArrayLike<number>, y: ArrayLike<number>): { x: number; y: number }[] {
  if (x.length !== y.length) throw new RangeError(`plot: x has ${x.length} values but y has ${y.length}`);
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!;
    const b = y[i]!;
    if (Number.isFinite(a) && Number.isFinite(b)) out.push({ x: a, y: b });
  }
  return out;
}

/** The Vega spec a chart renders from (Vega-Lite compiled), e.g. to embed with vega-embed in a page. */
export async function toVegaSpec(chart: ChartSpec): Promise<Spec> {
  if (chart.grammar === "vega") return chart.spec;
  const { compile } = await import("vega-lite");
  return compile(chart.spec).spec;
}

/**
 * Renders a chart to a standalone SVG document, headless: Vega's scenegraph with renderer "none"
 * (no canvas, no DOM), so it runs the same in Node and in a Worker. Vega is imported on first use,
 * which keeps it (≈0.5 s to load) off the start-up path of code that never plots.
 */
export async function renderSvg(chart: ChartSpec): Promise<string> {
  const vega = await import("vega");
  const view: View = new vega.View(vega.parse(await toVegaSpec(chart)), { renderer: "none" });
  try {
    const svg: unknown = await view.toSVG();
    if (typeof svg !== "string" || !svg.startsWith("<svg")) throw new Error("renderSvg: Vega did not return an SVG document");
    return svg;
  } finally {
    view.finalize();
  }
}
