/** @file drawing the race: paths over the contours, and the log-scale chart of f − f_best against iteration */
import type { Box, ContourLine } from "./contours.js";
import { drawLab } from "./labCanvas.js";
import type { RacerName, RaceResult } from "./raceModel.js";
import { toCanvas } from "./viewport.js";

/** One colour per racer (Okabe–Ito, distinguishable with colour-vision deficiencies). */
export const RACER_COLORS: Record<RacerName, string> = {
  gd: "#E69F00",
  momentum: "#56B4E9",
  adam: "#009E73",
  newton: "#D55E00",
  "newton-lm": "#CC79A7",
  bfgs: "#0072B2",
  lbfgs: "#000000",
};

/** The chart's y values: log₁₀(f − f_best + 10⁻¹⁶·max(1, |f_best|)), f_best the lowest f any racer reached. */
export function logGap(race: RaceResult): { readonly best: number; readonly series: readonly (readonly number[])[] } {
  const best = Math.min(...race.racers.flatMap((r) => r.values));
  const floor = 1e-16 * Math.max(1, Math.abs(best));
  return { best, series: race.racers.map((r) => r.values.map((v) => Math.log10(v - best + floor))) };
}

/** Draws the contours and every path up to iteration k. */
export function drawRace(ctx: CanvasRenderingContext2D, size: number, box: Box, lines: readonly ContourLine[], race: RaceResult | null, start: readonly [number, number], k: number): void {
  drawLab(ctx, size, { box, lines, taylor: [], point: start, analysis: null, path: [] });
  if (race === null) return;
  for (const r of race.racers) {
    const upto = r.path.slice(0, k + 1);
    ctx.strokeStyle = RACER_COLORS[r.name];
    ctx.fillStyle = RACER_COLORS[r.name];
    ctx.lineWidth = 2;
    ctx.beginPath();
    upto.forEach((p, i) => {
      const [px, py] = toCanvas(box, size, p);
      if (i === 0) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
    });
    ctx.stroke();
    const last = upto.at(-1);
    if (last !== undefined) {
      const [px, py] = toCanvas(box, size, last);
      ctx.fillRect(px - 4, py - 4, 8, 8);
    }
  }
}

/** Draws the log-gap chart, with a cursor at iteration k. */
export function drawChart(ctx: CanvasRenderingContext2D, width: number, height: number, race: RaceResult | null, k: number, maxK: number): void {
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, width, height);
  if (race === null) return;
  const { series } = logGap(race);
  const finite = series.flat().filter(Number.isFinite);
  const lo = Math.floor(Math.min(...finite, -1));
  const hi = Math.ceil(Math.max(...finite, 0));
  const [l, r, t, b] = [44, 10, 10, 26];
  const X = (i: number): number => l + (i / Math.max(1, maxK)) * (width - l - r);
  const Y = (v: number): number => t + ((hi - v) / Math.max(1e-9, hi - lo)) * (height - t - b);
  ctx.strokeStyle = "#999999";
  ctx.fillStyle = "#333333";
  ctx.font = "11px system-ui, sans-serif";
  ctx.lineWidth = 1;
  for (let d = lo; d <= hi; d += Math.max(1, Math.ceil((hi - lo) / 6))) {
    ctx.beginPath();
    ctx.moveTo(l, Y(d));
    ctx.lineTo(width - r, Y(d));
    ctx.stroke();
    ctx.fillText(`1e${d}`, 4, Y(d) + 4);
  }
  ctx.fillText("iteration", width - r - 50, height - 6);
  ctx.fillText("0", l, height - 10);
  ctx.fillText(String(maxK), width - r - 22, height - 10);
  race.racers.forEach((racer, j) => {
    ctx.strokeStyle = RACER_COLORS[racer.name];
    ctx.lineWidth = 1.8;
    ctx.beginPath();
    series[j]!.forEach((v, i) => {
      const y = Y(Number.isFinite(v) ? v : lo);
      if (i === 0) ctx.moveTo(X(i), y);
      else ctx.lineTo(X(i), y);
    });
    ctx.stroke();
  });
  ctx.strokeStyle = "#444444";
  ctx.setLineDash([3, 3]);
  ctx.beginPath();
  ctx.moveTo(X(k), t);
  ctx.lineTo(X(k), height - b);
  ctx.stroke();
  ctx.setLineDash([]);
}
