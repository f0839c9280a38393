/** @file line searches along a direction: Armijo backtracking and strong Wolfe (Nocedal & Wright (2006) Alg. 3.5/3.6) */
import type { Objective } from "./transform.js";

/** φ(α) = f(θ + α·d) and its slope φ'(α) = ∇f(θ + α·d)ᵀd, with the gradient kept for the caller. */
export interface LinePoint {
  readonly alpha: number;
  readonly value: number;
  readonly slope: number;
  readonly grad: Float64Array;
}

/** φ along θ + α·d for an objective (value and gradient in one evaluation). */
export function lineFunction(objective: Objective, theta: Float64Array, direction: Float64Array): (alpha: number) => LinePoint {
  return (alpha) => {
    const x = theta.map((t, i) => t + alpha * direction[i]!);
    const { value, grad } = objective.valueAndGrad(x);
    let slope = 0;
    for (let i = 0; i < grad.length; i++) slope += grad[i]! * direction[i]!;
    return { alpha, value, slope, grad };
  };
}

/** Options of armijo. */
export interface ArmijoOptions {
  /** First trial step (1). */
  readonly initial?: number;
  /** c in f(θ + αd) ≤ f(θ) + c·α·∇fᵀd (1e-4). */
  readonly c?: number;
  /** α ← shrink·α after each rejection (0.5). */
  readonly shrink?: number;
  /** Most trial steps (50). */
  readonly maxSteps?: number;
}

/** The result of armijo: the accepted α (0 when none was), its value, and the evaluations used. */
export interface ArmijoResult {
  readonly alpha: number;
  readonly value: number;
  readonly evaluations: number;
  readonly accepted: boolean;
}

/**
 * Backtracking: the first α = initial·shrinkʲ with f(θ+αd) ≤ f(θ) + c·α·slope (Nocedal & Wright
 * (2006) Alg. 3.1). `value(α)` evaluates φ; a NaN or ±Inf value counts as a rejection.
 */
export function armijo(value: (alpha: number) => number, f0: number, slope: number, options: ArmijoOptions = {}): ArmijoResult {
  const c = options.c ?? 1e-4;
  const shrink = options.shrink ?? 0.5;
  const maxSteps = options.maxSteps ?? 50;
  let alpha = options.initial ?? 1;
  for (let j = 1; j <= maxSteps; j++) {
    const f = value(alpha);
    if (Number.isFinite(f) && f <= f0 + c * alpha * slope) return { alpha, value: f, evaluations: j, accepted: true };
    alpha *= shrink;
  }
  return { alpha: 0, value: f0, evaluations: maxSteps, accepted: false };
}

/** Options of strongWolfe. */
export interface WolfeOptions {
  /** Sufficient decrease constant c₁ (1e-4). */
  readonly c1?: number;
  /** Curvature constant c₂ (0.9, the quasi-Newton choice; 0.1 for nonlinear CG). */
  readonly c2?: number;
  /** First trial step (1). */
  readonly initial?: number;
  /** Largest step considered (1e10). */
  readonly maxStep?: number;
  /** Most evaluations of φ (30). */
  readonly maxEvaluations?: number;
}

/** Why strongWolfe stopped: both conditions hold, or it ran out and returns its best sufficient-decrease point. */
export type WolfeStop = "wolfe" | "sufficientDecrease" | "failed";

/** The accepted point, the evaluations used and why it stopped. */
export interface WolfeResult {
  readonly point: LinePoint;
  readonly evaluations: number;
  readonly stop: WolfeStop;
}

/**
 * A step satisfying the strong Wolfe conditions φ(α) ≤ φ(0) + c₁αφ'(0) and |φ'(α)| ≤ c₂|φ'(0)|:
 * bracketing phase (Nocedal & Wright (2006) Alg. 3.5, doubling the step) then zoom (Alg. 3.6) with
 * safeguarded cubic interpolation (eq. 3.59), falling back to quadratic and bisection. φ'(0) < 0 is
 * required. If the budget runs out it returns the lowest point with sufficient decrease
 * ("sufficientDecrease"), or φ(0) itself ("failed", α = 0).
 */
export function strongWolfe(phi: (alpha: number) => LinePoint, start: LinePoint, options: WolfeOptions = {}): WolfeResult {
  const c1 = options.c1 ?? 1e-4;
  const c2 = options.c2 ?? 0.9;
  const maxStep = options.maxStep ?? 1e10;
  const maxEvaluations = options.maxEvaluations ?? 30;
  if (!(start.slope < 0)) throw new RangeError(`strongWolfe: not a descent direction (φ'(0) = ${start.slope})`);
  let evaluations = 0;
  let best: LinePoint | null = null;
  const armijoHolds = (p: LinePoint): boolean => Number.isFinite(p.value) && p.value <= start.value + c1 * p.alpha * start.slope;
  const curvatureHolds = (p: LinePoint): boolean => Math.abs(p.slope) <= -c2 * start.slope;
  const evaluate = (alpha: number): LinePoint => {
    evaluations++;
    const p = phi(alpha);
    if (armijoHolds(p) && (best === null || p.value < best.value)) best = p;
    return p;
  };
  const giveUp = (): WolfeResult =>
    best === null ? { point: start, evaluations, stop: "failed" } : { point: best, evaluations, stop: "sufficientDecrease" };

  const zoom = (lo0: LinePoint, hi0: LinePoint): WolfeResult => {
    let lo = lo0;
    let hi = hi0;
    while (evaluations < maxEvaluations) {
      const p = evaluate(interpolate(lo, hi));
      if (!armijoHolds(p) || p.value >= lo.value) {
        hi = p;
      } else {
        if (curvatureHolds(p)) return { point: p, evaluations, stop: "wolfe" };
        if (p.slope * (hi.alpha - lo.alpha) >= 0) hi = lo;
        lo = p;
      }
      if (Math.abs(hi.alpha - lo.alpha) <= 1e-16 * Math.max(1, lo.alpha)) break;
    }
    return giveUp();
  };

  let prev = start;
  let alpha = Math.min(options.initial ?? 1, maxStep);
  for (let i = 1; evaluations < maxEvaluations; i++) {
    const p = evaluate(alpha);
    if (!armijoHolds(p) || (i > 1 && p.value >= prev.value)) return zoom(prev, p);
    if (curvatureHolds(p)) return { point: p, evaluations, stop: "wolfe" };
    if (p.slope >= 0) return zoom(p, prev);
    if (alpha >= maxStep) break;
    prev = p;
    alpha = Math.min(2 * alpha, maxStep);
  }
  return giveUp();
}

/**
 * A trial step strictly inside the bracket [lo, hi]: the minimizer of the cubic through both values
 * and slopes (Nocedal & Wright (2006) eq. 3.59), else of the quadratic through φ(lo), φ'(lo), φ(hi),
 * else the midpoint; kept at least 10% of the bracket away from either end so zoom makes progress.
 */
export function interpolate(lo: LinePoint, hi: LinePoint): number {
  const a = lo.alpha;
  const b = hi.alpha;
  const left = Math.min(a, b);
  const width = Math.abs(b - a);
  const inside = (x: number): boolean => Number.isFinite(x) && x >= left + 0.1 * width && x <= left + 0.9 * width;
  if (Number.isFinite(hi.value)) {
    const d1 = lo.slope + hi.slope - (3 * (lo.value - hi.value)) / (a - b);
    const disc = d1 * d1 - lo.slope * hi.slope;
    if (disc >= 0) {
      const d2 = Math.sign(b - a) * Math.sqrt(disc);
      const x = b - (b - a) * ((hi.slope + d2 - d1) / (hi.slope - lo.slope + 2 * d2));
      if (inside(x)) return x;
    }
    const denom = 2 * (hi.value - lo.value - lo.slope * (b - a));
    const q = a - (lo.slope * (b - a) * (b - a)) / denom;
    if (denom > 0 && inside(q)) return q;
  }
  return 0.5 * (a + b);
}
