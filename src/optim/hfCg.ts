/** @file the pieces of Hessian-free that are its own: Martens' CG stopping rule, iterate saving, CG-backtracking, and the λ rule */
import { cg, type CgStop } from "../linalg/cg.js";
import type { LinearOperator } from "../linalg/linearOperator.js";

/** Constants of Martens' relative-progress rule (Martens (2010) §4.4). */
export interface ProgressRuleOptions {
  /** ε (5·10⁻⁴). */
  readonly tolerance?: number;
  /** k = max(minGap, ⌈gapRatio·i⌉): 0.1 … */
  readonly gapRatio?: number;
  /** … and 10. */
  readonly minGap?: number;
}

/**
 * Martens (2010) §4.4: stop CG at iteration i when i > k, φ(xᵢ) < 0 and
 * (φ(xᵢ) − φ(x_{i−k})) / φ(xᵢ) < k·ε with k = max(10, ⌈0.1·i⌉) — the model's decrease over the last
 * k steps has become a small fraction of its total. `phi[j]` is φ(x_j) for j = 0…i (phi[0] = φ(x₀)).
 */
export function progressStop(phi: readonly number[], i: number, options: ProgressRuleOptions = {}): boolean {
  const eps = options.tolerance ?? 5e-4;
  const k = Math.max(options.minGap ?? 10, Math.ceil((options.gapRatio ?? 0.1) * i));
  if (i <= k) return false;
  const now = phi[i]!;
  const before = phi[i - k]!;
  return now < 0 && (now - before) / now < k * eps;
}

/** The CG iterations whose iterates HF keeps for backtracking: ⌈first·ratioʲ⌉ ≤ maxIter (5, 7, 9, 11, 15, 19, …). */
export function saveSchedule(maxIter: number, first = 5, ratio = 1.3): number[] {
  const out: number[] = [];
  for (let x = first; Math.ceil(x) <= maxIter; x *= ratio) {
    const i = Math.ceil(x);
    if (out[out.length - 1] !== i) out.push(i);
  }
  return out;
}

/** Options of hfConjugateGradient. */
export interface HfCgOptions extends ProgressRuleOptions {
  /** Start point (Martens' warm start 0.95·previous; default 0). */
  readonly x0?: Float64Array;
  /** Most iterations (250). */
  readonly maxIter?: number;
  /** Fewest iterations before the progress rule may stop (1). */
  readonly minIter?: number;
  /** z = M⁻¹r. */
  readonly preconditioner?: (r: Float64Array) => Float64Array;
  /** Iterations at which to save the iterate (saveSchedule(maxIter)). */
  readonly save?: readonly number[];
}

/** A saved CG iterate. */
export interface SavedIterate {
  readonly iteration: number;
  readonly x: Float64Array;
}

/** Why HF's CG ended: Martens' rule ("progress"), the cap, negative curvature, or an exact solve. */
export type HfCgStop = "progress" | "maxIter" | "negativeCurvature" | "converged";

/** What hfConjugateGradient returns: the saved iterates (ascending, the final one last), φ per iteration, the stop reason. */
export interface HfCgResult {
  readonly iterates: readonly SavedIterate[];
  readonly phi: readonly number[];
  readonly iterations: number;
  readonly stop: HfCgStop;
}

/**
 * Preconditioned CG on Ax = b (A = G + λI, b = −∇L) as in Martens' reference code: φ(x) = ½xᵀAx − bᵀx
 * tracked per iteration, the relative-progress stop, iterates saved on the schedule and always the
 * final one, and an exit on negative curvature keeping the last iterate. Uses linalg's cg, whose
 * hooks (onIteration with the recurrence-free-of-extra-products φ, stopRule) are exactly these.
 */
export function hfConjugateGradient(A: LinearOperator, b: Float64Array, options: HfCgOptions = {}): HfCgResult {
  const maxIter = options.maxIter ?? 250;
  const minIter = options.minIter ?? 1;
  const save = new Set(options.save ?? saveSchedule(maxIter));
  const x0 = options.x0 ?? new Float64Array(b.length);
  // φ(x₀) = ½x₀ᵀAx₀ − bᵀx₀ (one product; 0 for a cold start)
  let phi0 = 0;
  if (options.x0 !== undefined) {
    const ax = A.matvec(x0);
    for (let i = 0; i < b.length; i++) phi0 += x0[i]! * (0.5 * ax[i]! - b[i]!);
  }
  const phi: number[] = [phi0];
  const iterates: SavedIterate[] = [];
  const result = cg(A, b, {
    x0,
    maxIter,
    tol: 0,
    ...(options.preconditioner !== undefined ? { preconditioner: options.preconditioner } : {}),
    onIteration: (s) => {
      phi[s.iteration] = s.quadratic;
      if (save.has(s.iteration)) iterates.push({ iteration: s.iteration, x: Float64Array.from(s.x) });
    },
    stopRule: (s) => s.iteration >= minIter && progressStop(phi, s.iteration, options),
  });
  const last = iterates[iterates.length - 1];
  if (last === undefined || last.iteration !== result.iterations) {
    iterates.push({ iteration: result.iterations, x: Float64Array.from(result.x) });
  }
  return { iterates, phi, iterations: result.iterations, stop: stopName(result.stop) };
}

function stopName(stop: CgStop): HfCgStop {
  return stop === "stopRule" ? "progress" : stop;
}

/** The backtracked choice: which saved iterate, and its objective value. */
export interface BacktrackResult {
  readonly index: number;
  readonly iteration: number;
  readonly value: number;
  /** Objective evaluations spent. */
  readonly evaluations: number;
}

/**
 * CG-backtracking (Martens (2010) §4.6): evaluate the objective (on the curvature minibatch) at the
 * last saved iterate, then walk back through earlier ones while each is strictly better, returning
 * the last improvement. Later CG iterates fit the quadratic model better but may overfit the
 * minibatch; this picks the best of the path cheaply. A NaN is never better than a number.
 */
export function cgBacktrack(iterates: readonly SavedIterate[], objective: (x: Float64Array) => number): BacktrackResult {
  if (iterates.length === 0) throw new RangeError("cgBacktrack: no iterates");
  let index = iterates.length - 1;
  let value = objective(iterates[index]!.x);
  let evaluations = 1;
  for (let j = index - 1; j >= 0; j--) {
    const v = objective(iterates[j]!.x);
    evaluations++;
    const better = v < value || (Number.isNaN(value) && !Number.isNaN(v));
    if (!better) break;
    index = j;
    value = v;
  }
  return { index, iteration: iterates[index]!.iteration, value, evaluations };
}

/** Constants of the Levenberg–Marquardt rule. */
export interface DampingRuleOptions {
  /** λ ← boost·λ when ρ < lower (3/2). */
  readonly boost?: number;
  /** λ ← drop·λ when ρ > upper (2/3). */
  readonly drop?: number;
  readonly lower?: number;
  readonly upper?: number;
}

/**
 * Martens (2010) §4.1: λ ← (3/2)·λ if ρ < ¼, λ ← (2/3)·λ if ρ > ¾, else unchanged; ρ = NaN (a
 * non-finite loss) counts as ρ < ¼.
 */
export function updateDamping(lambda: number, rho: number, options: DampingRuleOptions = {}): number {
  if (!(rho >= (options.lower ?? 0.25))) return lambda * (options.boost ?? 1.5);
  if (rho > (options.upper ?? 0.75)) return lambda * (options.drop ?? 2 / 3);
  return lambda;
}
