/** @file loss-landscape pictures: a 1-D slice with the quadratic model, and a 2-D filled-contour map with the model's contours */
import type { Legend, Mark, Spec, Title } from "vega";
import type { TopLevelSpec } from "vega-lite";
import { CHART_FONT, seriesColorScale, vegaLiteFrame, type ChartFrame, type ChartSpec } from "./chart.js";

/** A 1-D slice: L(θ + αd) and q(αd) at the same α. */
export interface Landscape1dData extends ChartFrame {
  readonly alphas: ArrayLike<number>;
  readonly loss: ArrayLike<number>;
  /** The quadratic model; absent: loss only. */
  readonly quadratic?: ArrayLike<number>;
  /** Default "α". */
  readonly xLabel?: string;
}

const LOSS_LABEL = "loss L(θ + αd)";
const MODEL_LABEL = "quadratic model q";

/**
 * The loss along α as a solid line, the quadratic model dashed, and a rule at α = 0 (θ itself).
 * The y axis follows the loss (padded 5%); the model is clipped where it leaves that range, which
 * is where it stops describing the loss.
 */
export function landscape1dChart(data: Landscape1dData): ChartSpec {
  const n = data.alphas.length;
  if (data.loss.length !== n || (data.quadratic !== undefined && data.quadratic.length !== n)) {
    throw new RangeError("landscape1dChart: alphas, loss and quadratic lengths differ");
  }
  const rows: { series: string; alpha: number; value: number }[] = [];
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const a = data.alphas[i]!;
    const l = data.loss[i]!;
    if (Number.isFinite(a) && Number.isFinite(l)) {
      rows.push({ series: LOSS_LABEL, alpha: a, value: l });
      lo = Math.min(lo, l);
      hi = Math.max(hi, l);
    }
  }
  if (data.quadratic !== undefined) {
    for (let i = 0; i < n; i++) {
      const a = data.alphas[i]!;
      const q = data.quadratic[i]!;
      if (Number.isFinite(a) && Number.isFinite(q)) rows.push({ series: MODEL_LABEL, alpha: a, value: q });
    }
  }
  const pad = hi > lo ? 0.05 * (hi - lo) : Math.max(1e-12, 0.05 * Math.abs(hi));
  const names = data.quadratic === undefined ? [LOSS_LABEL] : [LOSS_LABEL, MODEL_LABEL];
  const domain = Number.isFinite(lo) ? { domain: [lo - pad, hi + pad] } : {};
  const spec: TopLevelSpec = {
    ...vegaLiteFrame(data),
    layer: [
      { data: { values: [{ alpha: 0 }] }, mark: { type: "rule", color: "#999", strokeDash: [2, 2] }, encoding: { x: { field: "alpha", type: "quantitative" } } },
      {
        data: { values: rows },
        mark: { type: "line", strokeWidth: 2, clip: true },
        encoding: {
          x: { field: "alpha", type: "quantitative", title: data.xLabel ?? "α", scale: { zero: false, nice: false } },
          y: { field: "value", type: "quantitative", title: "loss", scale: { zero: false, nice: false, ...domain } },
          color: { field: "series", type: "nominal", title: null, scale: seriesColorScale(names) },
          strokeDash: { field: "series", type: "nominal", title: null, scale: { domain: names, range: [[1, 0], [6, 4]] } },
        },
      },
    ],
  };
  return { grammar: "vega-lite", spec };
}

/** A 2-D slice on a regular grid. */
export interface Landscape2dData extends ChartFrame {
  /** α values (columns), ascending and evenly spaced. */
  readonly alphas: ArrayLike<number>;
  /** β values (rows), ascending and evenly spaced. */
  readonly betas: ArrayLike<number>;
  /** L row-major [β][α]. */
  readonly loss: ArrayLike<number>;
  /** q row-major [β][α]; absent: no model contours. */
  readonly quadratic?: ArrayLike<number>;
  /** Contour levels, ascending. Default: `levelCount` quantiles of the loss grid. */
  readonly levels?: readonly number[];
  /** Number of levels when `levels` is not given. Default 14. */
  readonly levelCount?: number;
  readonly xLabel?: string;
  readonly yLabel?: string;
}

/** Quantile levels of the finite values (deduplicated, ascending), starting at the minimum. */
export function quantileLevels(values: ArrayLike<number>, count: number): number[] {
  const sorted = Array.from(values).filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  const levels: number[] = [];
  for (let k = 0; k < count; k++) {
    const v = sorted[Math.min(sorted.length - 1, Math.floor((k / count) * sorted.length))]!;
    if (levels.length === 0 || v > levels[levels.length - 1]!) levels.push(v);
  }
  return levels;
}

/**
 * Filled contours of the loss (d3-contour through Vega's isocontour transform; levels at quantiles
 * of the grid by default, so every band covers a similar area even when the corners are steep),
 * white dashed contours of the quadratic model at the same levels, and a cross at θ (α = β = 0).
 * Vega-Lite has no contour mark, so this one is a full Vega spec. The plot area keeps one pixel
 * scale for both grid axes (contours are computed in grid units).
 */
export function landscape2dChart(data: Landscape2dData): ChartSpec {
  const nx = data.alphas.length;
  const ny = data.betas.length;
  if (nx < 2 || ny < 2) throw new RangeError("landscape2dChart: needs at least a 2×2 grid");
  if (data.loss.length !== nx * ny || (data.quadratic !== undefined && data.quadratic.length !== nx * ny)) {
    throw new RangeError(`landscape2dChart: expected ${nx}×${ny} = ${nx * ny} values per grid`);
  }
  const width = data.width ?? 420;
  const cell = width / (nx - 1);
  const height = cell * (ny - 1);
  // d3-contour puts value i at pixel coordinate i + ½ with row 0 at the top; flip rows so β grows upward.
  const flipped = (g: ArrayLike<number>): number[] => {
    const out: number[] = [];
    for (let r = ny - 1; r >= 0; r--) for (let c = 0; c < nx; c++) out.push(clean(g[r * nx + c]!));
    return out;
  };
  const levels = data.levels ?? quantileLevels(data.loss, data.levelCount ?? 14);
  if (levels.length === 0) throw new RangeError("landscape2dChart: the loss grid has no finite value");
  // Quantile levels end below the maximum (that is what keeps steep corners from taking every
  // colour): everything above the top level shares its colour, so the legend says so.
  let top = -Infinity;
  for (let i = 0; i < data.loss.length; i++) if (Number.isFinite(data.loss[i]!)) top = Math.max(top, data.loss[i]!);
  const clipped = top > levels[levels.length - 1]!;
  const fmt = (x: number): string => (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : String(Number(x.toPrecision(3))));
  const legendTitle = clipped ? ["loss", `(colour clipped at ${fmt(levels[levels.length - 1]!)};`, `max ${fmt(top)})`] : "loss";
  const contours = (name: string, source: string): NonNullable<Spec["data"]>[number] => ({
    name,
    source,
    transform: [{ type: "isocontour", field: "grid", thresholds: [...levels], scale: cell, translate: [-cell / 2, -cell / 2] }],
  });
  const a0 = data.alphas[0]!;
  const a1 = data.alphas[nx - 1]!;
  const b0 = data.betas[0]!;
  const b1 = data.betas[ny - 1]!;
  const modelLegend: Legend = { stroke: "key", title: "", symbolType: "stroke", symbolStrokeWidth: 2, symbolDash: [4, 3] };
  const modelMark: Mark = {
    type: "path",
    clip: true,
    from: { data: "modelContours" },
    encode: { enter: { stroke: { value: "white" }, strokeWidth: { value: 1.5 }, strokeDash: { value: [5, 3] }, fill: { value: "transparent" } } },
    transform: [{ type: "geopath", field: "datum.contour" }],
  };
  const title: Title = {
    text: data.title ?? "",
    ...(data.subtitle === undefined ? {} : { subtitle: data.subtitle }),
    fontSize: 14,
    font: CHART_FONT,
    subtitleFont: CHART_FONT,
  };
  // set after the literal: typescript-eslint takes an `anchor` key in a literal for the deprecated String.prototype.anchor
  title.anchor = "start";
  const spec: Spec = {
    $schema: "https://vega.github.io/schema/vega/v6.json",
    ...(data.title === undefined && data.subtitle === undefined ? {} : { title }),
    width,
    height,
    padding: 5,
    background: "white",
    config: { text: { font: CHART_FONT }, axis: { labelFont: CHART_FONT, titleFont: CHART_FONT }, legend: { labelFont: CHART_FONT, titleFont: CHART_FONT } },
    data: [
      { name: "loss", values: [{ grid: { width: nx, height: ny, values: flipped(data.loss) } }] },
      contours("lossContours", "loss"),
      ...(data.quadratic === undefined
        ? []
        : [{ name: "model", values: [{ grid: { width: nx, height: ny, values: flipped(data.quadratic) } }] }, contours("modelContours", "model")]),
      { name: "center", values: [{ alpha: 0, beta: 0 }] },
    ],
    scales: [
      { name: "x", type: "linear", domain: [a0, a1], range: [0, { signal: "width" }], zero: false, nice: false },
      { name: "y", type: "linear", domain: [b0, b1], range: [{ signal: "height" }, 0], zero: false, nice: false },
      { name: "color", type: "linear", domain: [levels[0]!, levels[levels.length - 1]!], range: { scheme: "viridis" }, zero: false },
      { name: "key", type: "ordinal", domain: ["quadratic model q"], range: ["#555"] },
    ],
    axes: [
      { orient: "bottom", scale: "x", title: data.xLabel ?? "α (direction 1)", grid: false },
      { orient: "left", scale: "y", title: data.yLabel ?? "β (direction 2)", grid: false },
    ],
    legends: [
      { fill: "color", type: "gradient", title: legendTitle, gradientLength: Math.max(120, height - 60) },
      ...(data.quadratic === undefined ? [] : [modelLegend]),
    ],
    marks: [
      {
        type: "path",
        clip: true,
        from: { data: "lossContours" },
        encode: { enter: { fill: { scale: "color", field: "contour.value" }, stroke: { scale: "color", field: "contour.value" }, strokeWidth: { value: 0.5 } } },
        transform: [{ type: "geopath", field: "datum.contour" }],
      },
      ...(data.quadratic === undefined ? [] : [modelMark]),
      {
        type: "symbol",
        from: { data: "center" },
        encode: {
          enter: {
            x: { scale: "x", field: "alpha" },
            y: { scale: "y", field: "beta" },
            shape: { value: "cross" },
            size: { value: 90 },
            fill: { value: "#e45756" },
            stroke: { value: "white" },
            strokeWidth: { value: 1 },
          },
        },
      },
    ],
  };
  return { grammar: "vega", spec };
}

/** Non-finite values would break the contour tracer; a huge finite stand-in keeps the rest drawable. */
function clean(x: number): number {
  return Number.isFinite(x) ? x : x === -Infinity ? -Number.MAX_VALUE : Number.MAX_VALUE;
}
