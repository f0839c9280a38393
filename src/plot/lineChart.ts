/** @file line charts of several series (loss against time or epochs), optionally on log axes */
import type { TopLevelSpec } from "vega-lite";
import { finitePairs, logAxis, positiveRange, seriesColorScale, seriesNames, vegaLiteFrame, type ChartFrame, type ChartSpec } from "./chart.js";

/** One named series of a line chart. */
export interface LineSeries {
  readonly name: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  /** Draw dashed (e.g. a model next to a measurement). Default false. */
  readonly dashed?: boolean;
}

/** The data of a line chart. */
export interface LineChartData extends ChartFrame {
  readonly series: readonly LineSeries[];
  readonly xLabel: string;
  readonly yLabel: string;
  /** Logarithmic y axis; non-positive values are left out. Default false. */
  readonly logY?: boolean;
  /** Logarithmic x axis; non-positive values are left out. Default false. */
  readonly logX?: boolean;
  /** Mark every data point as well (useful for short series). Default: when a series has ≤ 30 points. */
  readonly points?: boolean;
}

/**
 * Lines, one per series, colored in series order with a legend (none for a single series).
 * Non-finite points (a diverged run's NaN loss) are dropped rather than failing the chart.
 */
export function lineChart(data: LineChartData): ChartSpec {
  const names = seriesNames("lineChart", data.series);
  const rows = data.series.flatMap((s) =>
    finitePairs(s.x, s.y)
      .filter((p) => (data.logY !== true || p.y > 0) && (data.logX !== true || p.x > 0))
      .map((p) => ({ series: s.name, x: p.x, y: p.y })),
  );
  const longest = Math.max(0, ...data.series.map((s) => s.x.length));
  const showPoints = data.points ?? longest <= 30;
  const dashes = data.series.map((s) => (s.dashed === true ? [6, 4] : [1, 0]));
  const spec: TopLevelSpec = {
    ...vegaLiteFrame(data),
    data: { values: rows },
    mark: { type: "line", strokeWidth: 2, clip: true, ...(showPoints ? { point: { size: 30 } } : {}) },
    encoding: {
      x: { field: "x", type: "quantitative", title: data.xLabel, scale: data.logX === true ? { type: "log" } : { zero: false }, ...(data.logX === true ? { axis: logAxis(...positiveRange(rows.map((r) => r.x))) } : {}) },
      y: { field: "y", type: "quantitative", title: data.yLabel, scale: data.logY === true ? { type: "log" } : { zero: false }, ...(data.logY === true ? { axis: logAxis(...positiveRange(rows.map((r) => r.y))) } : {}) },
      color: {
        field: "series",
        type: "nominal",
        title: null,
        scale: seriesColorScale(names),
        legend: names.length <= 1 ? null : { symbolType: "stroke", symbolStrokeWidth: 2 },
      },
      strokeDash: {
        field: "series",
        type: "nominal",
        title: null,
        scale: { domain: names, range: dashes },
        ...(names.length <= 1 ? { legend: null } : {}),
      },
    },
  };
  return { grammar: "vega-lite", spec };
}
