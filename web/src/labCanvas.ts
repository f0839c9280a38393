/** @file drawing the Function lab: contours, the Taylor model's contours, the gradient arrow and the Hessian's principal axes */
import type { Box, ContourLine } from "./contours.js";
import { formatShort } from "./format.js";
import type { PointAnalysis } from "./labModel.js";
import { toCanvas } from "./viewport.js";

/** What one frame of the lab shows. */
export interface LabFrame {
  readonly box: Box;
  readonly lines: readonly ContourLine[];
  readonly taylor: readonly ContourLine[];
  readonly point: readonly [number, number];
  readonly analysis: PointAnalysis | null;
  /** The last critical-point search's iterates, drawn as a path. */
  readonly path: readonly (readonly [number, number])[];
}

/** Colours: levels run from dark (low f) to light; eigenvalue signs in blue (+) and red (−), colour-blind safe. */
export const COLORS = { positive: "#1f5fbf", negative: "#c2371a", zero: "#777777", gradient: "#111111", taylor: "#d98c00", path: "#6a2c91" } as const;

function levelColor(k: number, count: number): string {
  const t = count <= 1 ? 0 : k / (count - 1);
  return `hsl(${220 - 170 * t} 55% ${28 + 45 * t}%)`;
}

const onBorder = ([u, v]: readonly [number, number]): boolean => u <= 0 || u >= 1 || v <= 0 || v >= 1;

/** Strokes a level's rings, skipping the stretches along the view's border that close d3-contour's polygons. */
function strokeRings(ctx: CanvasRenderingContext2D, size: number, line: ContourLine): void {
  ctx.beginPath();
  for (const ring of line.rings) {
    ring.forEach((p, i) => {
      const prev = ring[i - 1];
      if (prev === undefined || (onBorder(prev) && onBorder(p))) ctx.moveTo(p[0] * size, p[1] * size);
      else ctx.lineTo(p[0] * size, p[1] * size);
    });
  }
  ctx.stroke();
}

function arrow(ctx: CanvasRenderingContext2D, from: readonly [number, number], to: readonly [number, number]): void {
  const [dx, dy] = [to[0] - from[0], to[1] - from[1]];
  const len = Math.hypot(dx, dy);
  if (len < 1) return;
  const [ux, uy] = [dx / len, dy / len];
  ctx.beginPath();
  ctx.moveTo(from[0], from[1]);
  ctx.lineTo(to[0], to[1]);
  ctx.moveTo(to[0], to[1]);
  ctx.lineTo(to[0] - 9 * ux + 5 * uy, to[1] - 9 * uy - 5 * ux);
  ctx.moveTo(to[0], to[1]);
  ctx.lineTo(to[0] - 9 * ux - 5 * uy, to[1] - 9 * uy + 5 * ux);
  ctx.stroke();
}

function label(ctx: CanvasRenderingContext2D, text: string, at: readonly [number, number], color: string): void {
  ctx.font = "13px system-ui, sans-serif";
  ctx.lineWidth = 4;
  ctx.strokeStyle = "rgba(255,255,255,0.9)";
  ctx.strokeText(text, at[0] + 6, at[1] - 6);
  ctx.fillStyle = color;
  ctx.fillText(text, at[0] + 6, at[1] - 6);
}

/** Draws `frame` on a size×size (CSS pixel) canvas context. */
export function drawLab(ctx: CanvasRenderingContext2D, size: number, frame: LabFrame): void {
  ctx.clearRect(0, 0, size, size);
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, size, size);
  ctx.lineWidth = 1;
  frame.lines.forEach((line, k) => {
    ctx.strokeStyle = levelColor(k, frame.lines.length);
    strokeRings(ctx, size, line);
  });
  ctx.save();
  ctx.setLineDash([5, 4]);
  ctx.lineWidth = 1.2;
  ctx.strokeStyle = COLORS.taylor;
  // every other level: the model's contours are a guide over f's, not a second full set
  frame.taylor.forEach((line, k) => {
    if (k % 2 === 1) strokeRings(ctx, size, line);
  });
  ctx.restore();

  if (frame.path.length > 1) {
    ctx.strokeStyle = COLORS.path;
    ctx.fillStyle = COLORS.path;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    frame.path.forEach((p, i) => {
      const [px, py] = toCanvas(frame.box, size, p);
      if (i === 0) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
    });
    ctx.stroke();
    for (const p of frame.path) {
      const [px, py] = toCanvas(frame.box, size, p);
      ctx.fillRect(px - 2, py - 2, 4, 4);
    }
  }

  const at = toCanvas(frame.box, size, frame.point);
  const a = frame.analysis;
  if (a !== null) {
    // principal axes: each eigenvector drawn both ways from the point, coloured by its eigenvalue's sign
    const half = 0.12 * size;
    a.eigenvalues.forEach((lambda, i) => {
      const [vx, vy] = a.eigenvectors[i]!;
      const color = Math.abs(lambda) <= a.zeroThreshold ? COLORS.zero : lambda > 0 ? COLORS.positive : COLORS.negative;
      ctx.strokeStyle = color;
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      // screen y points down, so the box's direction (vx, vy) is (vx, −vy) on the canvas
      ctx.moveTo(at[0] - half * vx, at[1] + half * vy);
      ctx.lineTo(at[0] + half * vx, at[1] - half * vy);
      ctx.stroke();
      label(ctx, `λ${i === 0 ? "₁" : "₂"} = ${formatShort(lambda)}`, [at[0] + half * vx, at[1] - half * vy], color);
    });
    // the gradient's arrow: direction exact, length log-scaled so both 10⁻³ and 10³ stay visible
    if (a.gradientNorm > 0) {
      const len = Math.min(0.3 * size, 14 + 22 * Math.log10(1 + a.gradientNorm / 1e-3) / 2);
      const [gx, gy] = [a.gradient[0] / a.gradientNorm, a.gradient[1] / a.gradientNorm];
      const tip = [at[0] + len * gx, at[1] - len * gy] as const;
      ctx.strokeStyle = COLORS.gradient;
      ctx.lineWidth = 2;
      arrow(ctx, at, tip);
      label(ctx, "∇f", tip, COLORS.gradient);
    }
  }
  ctx.fillStyle = "#000000";
  ctx.beginPath();
  ctx.arc(at[0], at[1], 4.5, 0, 2 * Math.PI);
  ctx.fill();
  ctx.strokeStyle = "#ffffff";
  ctx.lineWidth = 1.5;
  ctx.stroke();
}
