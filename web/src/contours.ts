/** @file contour lines of a function on the lab's square view: the sample grid, log-spaced levels, and marching squares (d3-contour) */
import { contours } from "d3-contour";

/** A view box [x0, x1] × [y0, y1]. */
export interface Box {
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
}

/** n×n sample points of a box, row-major from the top row (largest y) down, as the canvas draws them. */
export interface Grid {
  readonly n: number;
  readonly xs: Float64Array;
  readonly ys: Float64Array;
}

/** One level's contour: closed rings of [u, v] points in the unit square (u right, v down). */
export interface ContourLine {
  readonly level: number;
  readonly rings: readonly (readonly (readonly [number, number])[])[];
}

/**
 * The n×n cell centres of `box`: d3-contour puts sample (i, j) at grid coordinate (i + ½, j + ½),
 * so cell centres make its coordinates divided by n exactly the unit square of the view.
 */
export function sampleGrid(box: Box, n: number): Grid {
  const xs = new Float64Array(n * n);
  const ys = new Float64Array(n * n);
  const [x0, x1] = box.x;
  const [y0, y1] = box.y;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      xs[j * n + i] = x0 + ((i + 0.5) / n) * (x1 - x0);
      ys[j * n + i] = y1 - ((j + 0.5) / n) * (y1 - y0);
    }
  }
  return { n, xs, ys };
}

/**
 * `count` levels log-spaced in f − min f between 10⁻⁴ and 1 of the span up to the 95th percentile:
 * valleys like Rosenbrock's span five decades, which linear levels would show as one blank band, and
 * the percentile keeps a steep corner of the box from squeezing every level into the valley. Where
 * the n×n grid's minimum lies on the view's border (no minimum inside: a saddle, the monkey saddle)
 * the levels are log-spaced in |f − median| on both sides of the median instead, so the saddle in the
 * middle gets its contours rather than the lowest corner.
 */
export function logLevels(values: Float64Array, count: number, n?: number): number[] {
  const finite = Array.from(values).filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0 || count < 1) return [];
  const at = (q: number): number => finite[Math.min(finite.length - 1, Math.floor(q * finite.length))]!;
  const lo = finite[0]!;
  const decades = 4;
  const spaced = (base: number, span: number, k: number): number[] =>
    Array.from({ length: k }, (_, i) => base + span * 10 ** (-decades + (decades * i) / Math.max(1, k - 1)));
  if (n !== undefined && minimumOnBorder(values, n)) {
    const mid = at(0.5);
    const [up, down] = [at(0.95) - mid, mid - at(0.05)];
    const half = Math.floor(count / 2);
    const levels = [...(up > 0 ? spaced(mid, up, half) : []), ...(down > 0 ? spaced(mid, -down, half) : [])];
    return levels.sort((a, b) => a - b);
  }
  const span = at(0.95) - lo;
  if (!(span > 0)) return [];
  return spaced(lo, span, count);
}

/** Whether the smallest finite value of the n×n grid sits in its first or last row or column. */
function minimumOnBorder(values: Float64Array, n: number): boolean {
  let best = Infinity;
  let where = -1;
  values.forEach((v, i) => {
    if (Number.isFinite(v) && v < best) [best, where] = [v, i];
  });
  const [i, j] = [where % n, Math.floor(where / n)];
  return i === 0 || j === 0 || i === n - 1 || j === n - 1;
}

/** The contour lines of the n×n `values` (sampleGrid's order) at `levels`. */
export function contourLines(values: Float64Array, n: number, levels: readonly number[]): ContourLine[] {
  // d3-contour reads NaN as "below every level"; a clean grid keeps rings closed where f overflows
  const clean = Array.from(values, (v) => (Number.isFinite(v) ? v : Number.MAX_VALUE));
  const generator = contours().size([n, n]).thresholds(levels as number[]);
  return levels.map((level) => {
    const multi = generator.contour(clean, level);
    const rings = multi.coordinates.flatMap((polygon) => polygon.map((ring) => ring.map(([u, v]) => [u! / n, v! / n] as const)));
    return { level, rings };
  });
}
