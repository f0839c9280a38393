/** @file stem charts of eigenvalues by rank, one or several series side by side */
import type { TopLevelSpec } from "vega-lite";
import { seriesColorScale, seriesNames, vegaLiteFrame, type ChartFrame, type ChartSpec } from "./chart.js";

/** One named list of eigenvalues (e.g. "GGN, before training"), in the order to draw them. */
export interface EigenvalueSeries {
  readonly name: string;
  readonly values: ArrayLike<number>;
}

/** The data of an eigenvalue chart. */
export interface EigenvalueChartData extends ChartFrame {
  readonly series: readonly EigenvalueSeries[];
  /** Label of the x axis. Default "rank". */
  readonly xLabel?: string;
  /** Label of the y axis. Default "eigenvalue λ". */
  readonly yLabel?: string;
  /**
   * "symlog": a signed log axis (linear near 0, logarithmic beyond), for spectra spanning decades
   * with negative values. Default "linear".
   */
  readonly scale?: "linear" | "symlog";
}

/**
 * A stem (lollipop) chart: for each series, a rule from 0 to λᵢ and a dot at λᵢ, at x = i (1-based
 * rank); several series stand side by side at each rank.
 */
export function eigenvalueChart(data: EigenvalueChartData): ChartSpec {
  const names = seriesNames("eigenvalueChart", data.series);
  const rows = data.series.flatMap((s) =>
    Array.from(s.values, (value, i) => ({ series: s.name, rank: i + 1, value })).filter((r) => Number.isFinite(r.value)),
  );
  const several = names.length > 1;
  const color = {
    field: "series",
    type: "nominal",
    title: null,
    scale: seriesColorScale(names),
    legend: several ? {} : null,
  } as const;
  const y = { field: "value", type: "quantitative", title: data.yLabel ?? "eigenvalue λ", scale: { type: data.scale ?? "linear" } } as const;
  const x = { field: "rank", type: "ordinal", title: data.xLabel ?? "rank", axis: { labelAngle: 0 } } as const;
  const position = several ? ({ x, xOffset: { field: "series", type: "nominal", scale: { domain: names } } } as const) : { x };
  const spec: TopLevelSpec = {
    ...vegaLiteFrame(data),
    layer: [
      { data: { values: rows }, mark: { type: "rule", strokeWidth: 2 }, encoding: { ...position, color, y, y2: { datum: 0 } } },
      { data: { values: rows }, mark: { type: "point", filled: true, size: 60, opacity: 1 }, encoding: { ...position, color, y } },
      // one horizontal line at λ = 0 (own data, so it is drawn once and not per eigenvalue)
      { data: { values: [{ zero: 0 }] }, mark: { type: "rule", color: "#888", strokeWidth: 1 }, encoding: { y: { field: "zero", type: "quantitative" } } },
    ],
  };
  return { grammar: "vega-lite", spec };
}
