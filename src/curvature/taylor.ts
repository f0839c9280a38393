/** @file the second-order Taylor model q(δ) = L + gᵀδ + ½δᵀHδ, checked against the true loss */
import type { LinearOperator } from "../linalg/linearOperator.js";

/** One point of the Taylor check. */
export interface TaylorPoint {
  /** Step length t along the unit direction d. */
  readonly t: number;
  /** L(θ + t·d). */
  readonly loss: number;
  /** q(t·d). */
  readonly model: number;
  /** |L(θ + t·d) − q(t·d)|. */
  readonly error: number;
}

/** The result of taylorCheck. */
export interface TaylorCheck {
  readonly points: readonly TaylorPoint[];
  /** gᵀd. */
  readonly slope: number;
  /** dᵀHd. */
  readonly curvature: number;
  /**
   * The fitted growth order p of error ∝ tᵖ (least squares on log–log over the points whose error is
   * above rounding): 3 for a smooth loss, the quadratic model being exact to second order.
   */
  readonly order: number | null;
}

/**
 * Evaluates the quadratic model along a direction (normalized to unit length) at the given step
 * lengths and fits the order at which its error grows.
 */
export function taylorCheck(
  loss: (theta: Float64Array) => number,
  theta: Float64Array,
  gradient: Float64Array,
  hessian: LinearOperator,
  direction: Float64Array,
  steps: readonly number[],
): TaylorCheck {
  const n = theta.length;
  if (direction.length !== n || gradient.length !== n) throw new RangeError("taylorCheck: θ, gradient and direction lengths differ");
  let dn = 0;
  for (const x of direction) dn += x * x;
  dn = Math.sqrt(dn);
  if (!(dn > 0) || !Number.isFinite(dn)) throw new RangeError("taylorCheck: the direction must be non-zero and finite");
  const d = direction.map((x) => x / dn);
  const L0 = loss(theta);
  const Hd = hessian.matvec(d);
  let slope = 0;
  let curvature = 0;
  for (let i = 0; i < n; i++) {
    slope += gradient[i]! * d[i]!;
    curvature += d[i]! * Hd[i]!;
  }
  const points = steps.map((t) => {
    const moved = theta.map((x, i) => x + t * d[i]!);
    const value = loss(moved);
    const model = L0 + t * slope + 0.5 * t * t * curvature;
    return { t, loss: value, model, error: Math.abs(value - model) };
  });
  // Ignore points drowned in rounding (error ≤ ~1e3 ulps of L) — they would flatten the fit.
  const floor = 1e3 * Number.EPSILON * Math.max(1, Math.abs(L0));
  const usable = points.filter((p) => p.error > floor && p.t > 0);
  let order: number | null = null;
  if (usable.length >= 2) {
    const xs = usable.map((p) => Math.log(p.t));
    const ys = usable.map((p) => Math.log(p.error));
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    let sxy = 0;
    let sxx = 0;
    xs.forEach((x, i) => {
      sxy += (x - mx) * (ys[i]! - my);
      sxx += (x - mx) ** 2;
    });
    order = sxx > 0 ? sxy / sxx : null;
  }
  return { points, slope, curvature, order };
}
