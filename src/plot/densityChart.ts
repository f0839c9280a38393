/** @file spectral density plots: the smoothed SLQ density with its ±1 standard-error band */
import type { TopLevelSpec } from "vega-lite";
import { logAxis, positiveRange, seriesColorScale, seriesNames, vegaLiteFrame, type ChartFrame, type ChartSpec } from "./chart.js";

/** One density curve on its grid, as spectralDensity returns it. */
export interface DensitySeries {
  readonly name: string;
  readonly grid: ArrayLike<number>;
  readonly density: ArrayLike<number>;
  /** Standard error per grid point across probes (NaN or absent: no band). */
  readonly stderr?: ArrayLike<number>;
}

/** The data of a density chart. */
export interface DensityChartData extends ChartFrame {
  readonly series: readonly DensitySeries[];
  /** Default "eigenvalue λ". */
  readonly xLabel?: string;
  /** Default "density". */
  readonly yLabel?: string;
  /**
   * Logarithmic density axis (Ghorbani et al. 2019 plot Hessian densities this way: the outliers
   * carry ~1e-4 of the mass). Values below `floor` are raised to it. Default false.
   */
  readonly logY?: boolean;
  /** Smallest density drawn on a log axis. Default 1e-6 × the largest density. */
  readonly floor?: number;
}

/**
 * Lines of φ(t) over the grid with a translucent band φ ± stderr (clipped at 0, or at the floor on
 * a log axis) behind each.
 */
export function densityChart(data: DensityChartData): ChartSpec {
  const names = seriesNames("densityChart", data.series);
  let peak = 0;
  for (const s of data.series) for (let i = 0; i < s.density.length; i++) peak = Math.max(peak, s.density[i]!);
  const logY = data.logY === true;
  const floor = logY ? (data.floor ?? (peak > 0 ? 1e-6 * peak : 1e-12)) : 0;
  const rows: { series: string; t: number; d: number; lo: number; hi: number; band: boolean }[] = [];
  for (const s of data.series) {
    if (s.grid.length !== s.density.length) throw new RangeError(`densityChart: ${s.name}: grid and density lengths differ`);
    for (let i = 0; i < s.grid.length; i++) {
      const t = s.grid[i]!;
      const d = s.density[i]!;
      if (!Number.isFinite(t) || !Number.isFinite(d)) continue;
      const se = s.stderr?.[i] ?? NaN;
      const band = Number.isFinite(se);
      rows.push({
        series: s.name,
        t,
        d: Math.max(floor, d),
        lo: band ? Math.max(floor, d - se) : Math.max(floor, d),
        hi: band ? Math.max(floor, d + se) : Math.max(floor, d),
        band,
      });
    }
  }
  const color = {
    field: "series",
    type: "nominal",
    title: null,
    scale: seriesColorScale(names),
    legend: names.length > 1 ? { symbolType: "stroke", symbolStrokeWidth: 2, symbolOpacity: 1 } : null,
  } as const;
  // The x domain ends where the drawn density does: SLQ's grid spans every node, and on a log axis a
  // node whose weight is below the floor would otherwise stretch the axis over an empty, flat stretch.
  const visible = rows.filter((r) => r.hi > (logY ? floor * (1 + 1e-9) : 1e-3 * peak));
  const domain = visible.length === 0 ? null : trimmedDomain(visible.map((r) => r.t), rows.map((r) => r.t));
  const x = { field: "t", type: "quantitative", title: data.xLabel ?? "eigenvalue λ", scale: { zero: false, nice: false, ...(domain === null ? {} : { domain }) } } as const;
  const yScale = logY ? ({ type: "log" } as const) : { zero: true };
  const yAxis = logY ? logAxis(...positiveRange(rows.flatMap((r) => [r.lo, r.hi]))) : {};
  const spec: TopLevelSpec = {
    ...vegaLiteFrame(data),
    data: { values: rows },
    encoding: { x, color },
    layer: [
      {
        transform: [{ filter: "datum.band" }],
        mark: { type: "area", opacity: 0.25, clip: true },
        encoding: { y: { field: "lo", type: "quantitative", scale: yScale, axis: yAxis, title: data.yLabel ?? "density" }, y2: { field: "hi" } },
      },
      {
        mark: { type: "line", strokeWidth: 1.5, clip: true },
        encoding: { y: { field: "d", type: "quantitative", scale: yScale, axis: yAxis, title: data.yLabel ?? "density" } },
      },
    ],
  };
  return { grammar: "vega-lite", spec };
}

/** [min, max] of the visible t, widened by 3% of the full grid's span (never beyond the grid). */
function trimmedDomain(visible: readonly number[], all: readonly number[]): [number, number] {
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const pad = 0.03 * (hi - lo);
  return [Math.max(lo, Math.min(...visible) - pad), Math.min(hi, Math.max(...visible) + pad)];
}
