/** @file the CURVES data set: seeded 28×28 images of smooth random curves through three random points */

/*
 * How the images are made. Hinton & Salakhutdinov (2006), the source of CURVES and of the
 * 784-400-200-100-50-25-6 autoencoder Martens (2010) trains on it, describe "28 × 28 images of
 * curves that were generated from three randomly chosen points in two dimensions", 20,000 for
 * training and 10,000 for testing, intensities in [0, 1]. The spline and pen of their generator
 * are not in what we could check, so the rest is our choice, fixed here:
 *
 * 1. Three points drawn uniformly from [m, S−m]² in the image plane (S = size, margin m = 2
 *    pixels by default), in the order x₀, y₀, x₁, y₁, x₂, y₂ from one Rng(seed) shared by all
 *    images — image i depends only on (seed, i), and the first k images of a larger set are the
 *    k images of a smaller one. x runs along columns, y down the rows; pixel (r, c) covers
 *    [c, c+1) × [r, r+1) and is sampled at its centre (c+½, r+½).
 * 2. The points are visited with the two ends of the longest side first and last (P₀, P₂) and
 *    the third in the middle (P₁), so the curve turns by at most 120° instead of doubling back.
 * 3. The curve is the parametric quadratic C(t), t ∈ [0, 1], through all three: C(0) = P₀,
 *    C(τ) = P₁, C(1) = P₂ (Lagrange form), with the chord-length parameter
 *    τ = |P₀P₁| / (|P₀P₁| + |P₁P₂|), clamped to [0.2, 0.8] for nearly coincident points. A
 *    quadratic is the smoothest curve three points determine: every image lies on a
 *    6-parameter manifold, the code size of the CURVES autoencoder.
 * 4. C is sampled at 4·S + 1 equally spaced t and drawn as that polyline with an anti-aliased
 *    stroke of width w (default 2 pixels): a pixel whose centre lies at distance d from the
 *    polyline gets intensity clamp(w/2 + ½ − d, 0, 1) — full ink within w/2 − ½ of the curve,
 *    then a one-pixel linear ramp to 0 at w/2 + ½, the usual linear estimate of the stroke's
 *    area coverage. Parts of the curve outside the image are clipped.
 *
 * The data set is an autoencoder set (targets = inputs); there are no labels.
 */
import { allocate, type DType } from "../kernels/ndarray.js";
import { Rng } from "../kernels/random.js";
import { splitDataset, type Dataset, type DatasetSplit } from "./dataset.js";

/** Training and test sizes of CURVES in Hinton & Salakhutdinov (2006). */
export const CURVES_TRAIN_SIZE = 20000;
/** See CURVES_TRAIN_SIZE. */
export const CURVES_TEST_SIZE = 10000;

/** Rendering options shared by generateCurves and renderCurve. */
export interface CurveStyle {
  /** Image side in pixels (default 28, images are size × size). */
  readonly size?: number;
  /** Stroke width w in pixels (default 2). */
  readonly strokeWidth?: number;
  /** Points are drawn from [margin, size − margin]² (default 2). */
  readonly margin?: number;
}

/** Options of generateCurves. */
export interface CurvesOptions extends CurveStyle {
  readonly n: number;
  readonly seed: number;
  readonly dtype: DType;
}

/** Three points (x₀, y₀, x₁, y₁, x₂, y₂) in pixel coordinates. */
export type CurvePoints = readonly [number, number, number, number, number, number];

/** N CURVES images as an autoencoder data set "curves": inputs [N, size²] in [0, 1], targets = inputs. */
export function generateCurves(options: CurvesOptions): Dataset {
  const { n, seed, dtype } = options;
  const { size, strokeWidth, margin } = resolveStyle(options);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`generateCurves: n must be a non-negative integer, got ${n}`);
  const rng = new Rng(seed);
  const pixels = size * size;
  const data = allocate(dtype, n * pixels);
  const image = new Float64Array(pixels);
  const span = size - 2 * margin;
  for (let i = 0; i < n; i++) {
    const u = (): number => margin + span * rng.uniform();
    // Array literals evaluate left to right: x₀, y₀, x₁, y₁, x₂, y₂.
    const p: CurvePoints = [u(), u(), u(), u(), u(), u()];
    image.fill(0);
    drawCurve(image, p, size, strokeWidth);
    data.set(image, i * pixels);
  }
  const inputs = { shape: [n, pixels], dtype, data };
  return { name: "curves", inputs, targets: inputs };
}

/** Options of loadCurves. */
export interface LoadCurvesOptions extends CurveStyle {
  readonly seed: number;
  readonly dtype: DType;
  /** Default CURVES_TRAIN_SIZE (20,000). */
  readonly trainSize?: number;
  /** Default CURVES_TEST_SIZE (10,000). */
  readonly testSize?: number;
}

/**
 * CURVES with the paper's sizes by default: the first `trainSize` images of one seeded stream
 * as "curves-train", the next `testSize` as "curves-test".
 */
export function loadCurves(options: LoadCurvesOptions): DatasetSplit {
  const trainSize = options.trainSize ?? CURVES_TRAIN_SIZE;
  const testSize = options.testSize ?? CURVES_TEST_SIZE;
  return splitDataset(generateCurves({ ...options, n: trainSize + testSize }), trainSize);
}

/** One image (size², row-major, float64) of the curve through three given points. */
export function renderCurve(points: CurvePoints, style: CurveStyle = {}): Float64Array {
  const { size, strokeWidth } = resolveStyle(style);
  const image = new Float64Array(size * size);
  drawCurve(image, points, size, strokeWidth);
  return image;
}

function resolveStyle(style: CurveStyle): Required<CurveStyle> {
  const size = style.size ?? 28;
  const strokeWidth = style.strokeWidth ?? 2;
  const margin = style.margin ?? 2;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`curves: size must be a positive integer, got ${size}`);
  if (!(strokeWidth > 0) || !Number.isFinite(strokeWidth)) {
    throw new RangeError(`curves: strokeWidth must be a positive number, got ${strokeWidth}`);
  }
  if (!(margin >= 0) || 2 * margin > size) throw new RangeError(`curves: margin must be in [0, size/2], got ${margin}`);
  return { size, strokeWidth, margin };
}

/** Draws the quadratic through the points into `image` (max with what is there). */
function drawCurve(image: Float64Array, points: CurvePoints, size: number, strokeWidth: number): void {
  const [x0, y0, x1, y1, x2, y2] = visitingOrder(points);
  const d01 = Math.sqrt((x1 - x0) ** 2 + (y1 - y0) ** 2);
  const d12 = Math.sqrt((x2 - x1) ** 2 + (y2 - y1) ** 2);
  const tau = Math.min(0.8, Math.max(0.2, d01 + d12 > 0 ? d01 / (d01 + d12) : 0.5));
  const segments = 4 * size;
  let ax = x0;
  let ay = y0;
  for (let k = 1; k <= segments; k++) {
    const t = k / segments;
    // Lagrange basis on the nodes 0, τ, 1.
    const l0 = ((t - tau) * (t - 1)) / tau;
    const l1 = (t * (t - 1)) / (tau * (tau - 1));
    const l2 = (t * (t - tau)) / (1 - tau);
    const bx = l0 * x0 + l1 * x1 + l2 * x2;
    const by = l0 * y0 + l1 * y1 + l2 * y2;
    strokeSegment(image, size, ax, ay, bx, by, strokeWidth);
    ax = bx;
    ay = by;
  }
}

/**
 * The three points in the order the curve visits them: the two ends of the longest side first
 * and last, so the curve turns by at most 120° at the middle point instead of doubling back on
 * itself (ties keep the drawn order).
 */
function visitingOrder(p: CurvePoints): CurvePoints {
  const [x0, y0, x1, y1, x2, y2] = p;
  const d01 = (x1 - x0) ** 2 + (y1 - y0) ** 2;
  const d12 = (x2 - x1) ** 2 + (y2 - y1) ** 2;
  const d02 = (x2 - x0) ** 2 + (y2 - y0) ** 2;
  if (d02 >= d01 && d02 >= d12) return p;
  if (d01 >= d12) return [x0, y0, x2, y2, x1, y1];
  return [x1, y1, x0, y0, x2, y2];
}

/** Inks every pixel within reach of segment AB with clamp(w/2 + ½ − distance, 0, 1), keeping the max. */
function strokeSegment(
  image: Float64Array,
  size: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  w: number,
): void {
  const reach = w / 2 + 0.5;
  const c0 = Math.max(0, Math.floor(Math.min(ax, bx) - reach - 0.5));
  const c1 = Math.min(size - 1, Math.ceil(Math.max(ax, bx) + reach - 0.5));
  const r0 = Math.max(0, Math.floor(Math.min(ay, by) - reach - 0.5));
  const r1 = Math.min(size - 1, Math.ceil(Math.max(ay, by) + reach - 0.5));
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  for (let r = r0; r <= r1; r++) {
    const py = r + 0.5 - ay;
    for (let c = c0; c <= c1; c++) {
      const px = c + 0.5 - ax;
      // Closest point of the segment: the projection parameter clamped to [0, 1].
      const s = len2 > 0 ? Math.min(1, Math.max(0, (px * dx + py * dy) / len2)) : 0;
      const ex = px - s * dx;
      const ey = py - s * dy;
      const ink = Math.min(1, reach - Math.sqrt(ex * ex + ey * ey));
      const k = r * size + c;
      if (ink > image[k]!) image[k] = ink;
    }
  }
}
