/** @file first-order transforms (optax names): scale, traceMomentum, scaleByAdam, addDecayedWeights, and sgd/momentum/nesterov/adam/adamw */
import { chain, type Transform } from "./transform.js";

/** The state of a stateless transform. */
export type EmptyState = Readonly<Record<string, never>>;

const EMPTY: EmptyState = {};

/** u ↦ c·u. */
export function scale(c: number): Transform<EmptyState> {
  return {
    init: () => EMPTY,
    update: (g, state) => [g.map((x) => c * x), state],
  };
}

/** u ↦ −lr·u: turns a descent direction into a step. */
export function scaleByLearningRate(learningRate: number): Transform<EmptyState> {
  if (!(learningRate > 0)) throw new RangeError(`scaleByLearningRate: learning rate must be positive, got ${learningRate}`);
  return scale(-learningRate);
}

/** State of traceMomentum: the running velocity. */
export type TraceState = { readonly trace: Float64Array };

/** Options of traceMomentum. */
export interface TraceOptions {
  /** β, the decay of the velocity (0.9). */
  readonly decay?: number;
  /** Nesterov's look-ahead form: u = g + β·v_new (Sutskever et al. 2013). */
  readonly nesterov?: boolean;
}

/** Heavy-ball momentum v ← g + β·v; emits v (or g + β·v with Nesterov), as optax.trace. */
export function traceMomentum(options: TraceOptions = {}): Transform<TraceState> {
  const beta = options.decay ?? 0.9;
  const nesterov = options.nesterov ?? false;
  return {
    init: (params) => ({ trace: new Float64Array(params.length) }),
    update(g, state) {
      const trace = new Float64Array(g.length);
      for (let i = 0; i < g.length; i++) trace[i] = g[i]! + beta * state.trace[i]!;
      const out = nesterov ? g.map((x, i) => x + beta * trace[i]!) : Float64Array.from(trace);
      return [out, { trace }];
    },
  };
}

/** State of scaleByAdam: step count and the bias-uncorrected first and second moments. */
export type AdamState = { readonly count: number; readonly mu: Float64Array; readonly nu: Float64Array };

/** Options of scaleByAdam / adam. */
export interface AdamOptions {
  readonly b1?: number;
  readonly b2?: number;
  readonly eps?: number;
}

/** Adam's direction m̂/(√v̂ + ε) with bias correction (Kingma & Ba 2015, Alg. 1). */
export function scaleByAdam(options: AdamOptions = {}): Transform<AdamState> {
  const b1 = options.b1 ?? 0.9;
  const b2 = options.b2 ?? 0.999;
  const eps = options.eps ?? 1e-8;
  return {
    init: (params) => ({ count: 0, mu: new Float64Array(params.length), nu: new Float64Array(params.length) }),
    update(g, state) {
      const count = state.count + 1;
      const mu = new Float64Array(g.length);
      const nu = new Float64Array(g.length);
      const out = new Float64Array(g.length);
      const c1 = 1 - b1 ** count;
      const c2 = 1 - b2 ** count;
      for (let i = 0; i < g.length; i++) {
        mu[i] = b1 * state.mu[i]! + (1 - b1) * g[i]!;
        nu[i] = b2 * state.nu[i]! + (1 - b2) * g[i]! * g[i]!;
        out[i] = mu[i]! / c1 / (Math.sqrt(nu[i]! / c2) + eps);
      }
      return [out, { count, mu, nu }];
    },
  };
}

/** u ↦ u + wd·θ: decoupled weight decay (Loshchilov & Hutter 2019), θ from the context. */
export function addDecayedWeights(weightDecay: number): Transform<EmptyState> {
  return {
    init: () => EMPTY,
    update: (g, state, ctx) => [g.map((x, i) => x + weightDecay * ctx.params[i]!), state],
  };
}

/** Plain SGD: θ ← θ − lr·g. */
export function sgd(learningRate: number): Transform<[EmptyState]> {
  return chain(scaleByLearningRate(learningRate));
}

/** SGD with heavy-ball momentum: v ← g + β·v, θ ← θ − lr·v. */
export function momentum(learningRate: number, decay = 0.9): Transform<[TraceState, EmptyState]> {
  return chain(traceMomentum({ decay }), scaleByLearningRate(learningRate));
}

/** SGD with Nesterov momentum (Sutskever et al. 2013 form). */
export function nesterov(learningRate: number, decay = 0.9): Transform<[TraceState, EmptyState]> {
  return chain(traceMomentum({ decay, nesterov: true }), scaleByLearningRate(learningRate));
}

/** Adam (Kingma & Ba 2015). */
export function adam(learningRate = 1e-3, options: AdamOptions = {}): Transform<[AdamState, EmptyState]> {
  return chain(scaleByAdam(options), scaleByLearningRate(learningRate));
}

/** AdamW: Adam with decoupled weight decay, θ ← θ − lr·(m̂/(√v̂+ε) + wd·θ) (Loshchilov & Hutter 2019). */
export function adamw(
  learningRate = 1e-3,
  options: AdamOptions & { readonly weightDecay?: number } = {},
): Transform<[AdamState, EmptyState, EmptyState]> {
  return chain(scaleByAdam(options), addDecayedWeights(options.weightDecay ?? 1e-4), scaleByLearningRate(learningRate));
}
