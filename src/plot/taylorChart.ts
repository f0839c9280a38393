/** @file the Taylor check on log–log axes: |L(θ+td) − q(td)| against t, with the fitted power law */
import type { TopLevelSpec } from "vega-lite";
import { logAxis, positiveRange, seriesColorScale, vegaLiteFrame, type ChartFrame, type ChartSpec } from "./chart.js";

/** The data of a Taylor-error chart. */
export interface TaylorChartData extends ChartFrame {
  /** Step lengths t and errors |L − q| (non-positive values cannot be drawn on log axes and are left out). */
  readonly points: readonly { readonly t: number; readonly error: number }[];
  /** The fitted order p of error ∝ tᵖ, or null when no fit was possible. */
  readonly order: number | null;
  /** A point the fitted line passes through (e.g. the centroid of the fitted points in log–log). */
  readonly anchor?: { readonly t: number; readonly error: number };
  /** The t range the fit used (drawn only there). Default the range of the points. */
  readonly fitRange?: readonly [number, number];
}

/**
 * Measured errors as dots joined by a line, and error = c·tᵖ as a dashed line labelled with the
 * fitted slope p (3 for a smooth loss with the exact Hessian, 2 when H is replaced by the GGN).
 */
export function taylorChart(data: TaylorChartData): ChartSpec {
  const measured = data.points.filter((p) => p.t > 0 && p.error > 0 && Number.isFinite(p.t) && Number.isFinite(p.error));
  const label = "|L(θ+td) − q(td)|";
  const rows: { series: string; t: number; error: number }[] = measured.map((p) => ({ series: label, t: p.t, error: p.error }));
  const names = [label];
  const { order, anchor } = data;
  if (order !== null && anchor !== undefined && anchor.t > 0 && anchor.error > 0 && measured.length > 0) {
    const [lo, hi] = data.fitRange ?? [Math.min(...measured.map((p) => p.t)), Math.max(...measured.map((p) => p.t))];
    const fit = `fit: error ∝ t^${order.toFixed(2)}`;
    names.push(fit);
    const steps = 24;
    for (let i = 0; i <= steps; i++) {
      const t = lo * (hi / lo) ** (i / steps);
      rows.push({ series: fit, t, error: anchor.error * (t / anchor.t) ** order });
    }
  }
  const spec: TopLevelSpec = {
    ...vegaLiteFrame(data),
    data: { values: rows },
    encoding: {
      x: { field: "t", type: "quantitative", title: "step length t", scale: { type: "log" }, axis: logAxis(...positiveRange(rows.map((r) => r.t))) },
      y: { field: "error", type: "quantitative", title: "error of the quadratic model", scale: { type: "log" }, axis: logAxis(...positiveRange(rows.map((r) => r.error))) },
      color: {
        field: "series",
        type: "nominal",
        title: null,
        scale: seriesColorScale(names),
        legend: { symbolType: "stroke", symbolStrokeWidth: 2 },
      },
      strokeDash: { field: "series", type: "nominal", title: null, scale: { domain: names, range: [[1, 0], [6, 4]] } },
    },
    layer: [
      { transform: [{ filter: { field: "series", equal: label } }], mark: { type: "line", strokeWidth: 1.5, point: { size: 40, filled: true } } },
      { transform: [{ filter: { field: "series", equal: names[1] ?? "" } }], mark: { type: "line", strokeWidth: 2 } },
    ],
  };
  return { grammar: "vega-lite", spec };
}
