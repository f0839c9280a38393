/** @file Nesterov's accelerated gradient with Sutskever et al. (2013)'s momentum schedule, the strong first-order baseline for deep autoencoders */
import type { Transform } from "./transform.js";

/*
 * Sutskever, Martens, Dahl & Hinton (2013), "On the importance of initialization and momentum in
 * deep learning", eqs. 3–4 and §3.1: NAG is
 *
 *     v_{t+1} = μ_t v_t − ε ∇f(θ_t + μ_t v_t),      θ_{t+1} = θ_t + v_{t+1},
 *
 * with μ_t = min(1 − 2^(−1−log₂(⌊t/250⌋+1)), μ_max): 0.5 for the first 250 updates, then 0.75,
 * 0.833…, 0.875, … — 1 − 1/(2(⌊t/250⌋+1)) — until μ_max. The paper's Table 1 compares μ_max =
 * 0, 0.9, 0.99, 0.995, 0.999 on the autoencoders; 0.99 is our default (docs/cli.md, `train`).
 *
 * The training loop takes gradients at the parameters it holds, so this transform works with the
 * look-ahead point φ_t = θ_t + μ_t v_t instead of θ_t (the change of variables of Bengio,
 * Boulanger-Lewandowski & Pascanu 2013, as PyTorch's and optax's Nesterov do). Substituting,
 *
 *     φ_{t+1} = φ_t + μ_{t+1} v_{t+1} − ε g_t,     g_t = ∇f(φ_t),  v_{t+1} = μ_t v_t − ε g_t,
 *
 * exactly the same iterates as the paper's, shifted by μ_t v_t, also when μ_t changes. With a fixed
 * μ this is the `nesterov` transform of firstOrder.ts.
 */

/** Updates per step of Sutskever et al. (2013)'s momentum schedule. */
export const SUTSKEVER_PERIOD = 250;
/** Default μ_max of the schedule (the paper tries 0.999, 0.995, 0.99, 0.9, 0). */
export const DEFAULT_MU_MAX = 0.99;

/**
 * μ_t = min(1 − 2^(−1−log₂(⌊t/250⌋+1)), μ_max) for update t = 0, 1, … (Sutskever et al. 2013 §3.1),
 * computed as 1 − 1/(2(⌊t/250⌋+1)), its exact value (no rounding from log₂).
 */
export function sutskeverMomentum(t: number, muMax = DEFAULT_MU_MAX, period = SUTSKEVER_PERIOD): number {
  if (!Number.isInteger(t) || t < 0) throw new RangeError(`sutskeverMomentum: t must be a non-negative integer, got ${t}`);
  return Math.min(1 - 1 / (2 * (Math.floor(t / period) + 1)), muMax);
}

/** Options of nag. */
export interface NagOptions {
  /** ε, the learning rate. */
  readonly learningRate: number;
  /** μ_max, the cap of the schedule (default DEFAULT_MU_MAX = 0.99); 0 turns NAG into plain SGD. */
  readonly muMax?: number;
  /** Updates per step of the schedule (default 250). */
  readonly period?: number;
}

/** State of nag: updates done (t) and the velocity v_t of the paper's form. */
export type NagState = { readonly count: number; readonly velocity: Float64Array };

/**
 * SGD with Nesterov momentum and Sutskever et al. (2013)'s schedule μ_t (see the file comment);
 * info reports the μ_t the last update used.
 */
export function nag(options: NagOptions): Transform<NagState> {
  const lr = options.learningRate;
  const muMax = options.muMax ?? DEFAULT_MU_MAX;
  const period = options.period ?? SUTSKEVER_PERIOD;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`nag: learning rate must be a positive number, got ${lr}`);
  if (!(muMax >= 0 && muMax < 1)) throw new RangeError(`nag: muMax must be in [0, 1), got ${muMax}`);
  if (!Number.isInteger(period) || period < 1) throw new RangeError(`nag: period must be a positive integer, got ${period}`);
  return {
    init: (params) => ({ count: 0, velocity: new Float64Array(params.length) }),
    update(g, state) {
      const t = state.count;
      const mu = sutskeverMomentum(t, muMax, period);
      const muNext = sutskeverMomentum(t + 1, muMax, period);
      const velocity = new Float64Array(g.length);
      const step = new Float64Array(g.length);
      for (let i = 0; i < g.length; i++) {
        const lrG = lr * g[i]!;
        velocity[i] = mu * state.velocity[i]! - lrG;
        step[i] = muNext * velocity[i]! - lrG;
      }
      return [step, { count: t + 1, velocity }];
    },
    info: (state) => ({ mu: state.count === 0 ? sutskeverMomentum(0, muMax, period) : sutskeverMomentum(state.count - 1, muMax, period) }),
  };
}
