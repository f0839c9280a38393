/** @file the optimizer shape: Transform<S> {init, update} with plain-data state, the StepContext, and chain (optax) */
import type { EmpiricalRisk } from "../curvature/empiricalRisk.js";
import type { LinearOperator } from "../linalg/linearOperator.js";

/** A scalar objective known through its value and gradient at any θ (one fixed batch of data). */
export interface Objective {
  /** f(θ). */
  value(theta: Float64Array): number;
  /** f(θ) and ∇f(θ) (float64, a fresh array). */
  valueAndGrad(theta: Float64Array): { value: number; grad: Float64Array };
}

/**
 * A curvature matrix an optimizer may ask for: the Hessian, the GGN, the Monte-Carlo Fisher
 * (targets sampled from the model, seeded by the step) or the empirical Fisher (data targets).
 */
export type CurvatureChoice = "hessian" | "ggn" | "fisher" | "empiricalFisher";

/**
 * What one update sees besides the gradient. Second-order methods take their curvature and their
 * extra evaluations from here (STYLE.md §3): they never build operators, read files, or know about
 * data sets. The objectives may be evaluated at any θ (line searches, backtracking, ρ).
 */
export interface StepContext {
  /** θ at which the update is computed (the same values as update's current parameters; do not mutate). */
  readonly params: Float64Array;
  /** The value at params of the objective the gradient came from, when the loop computed it with the gradient. */
  readonly value?: number;
  /** Iterations completed before this one (0 on the first update). */
  readonly iteration: number;
  /** The objective on the current minibatch. */
  readonly objective: Objective;
  /** The objective on the large gradient batch (Martens 2010 §4.8); the minibatch when there is none. */
  readonly gradientObjective: Objective;
  /** The objective on the curvature minibatch (HF's ρ and CG backtracking). */
  readonly curvatureObjective: Objective;
  /** The curvature matrix of `kind` at θ (default: params) on the curvature minibatch. */
  curvature(kind: CurvatureChoice, theta?: Float64Array): LinearOperator;
  /**
   * The curvature minibatch as a network risk, present when the objective is a network's empirical
   * risk: K-FAC and HF's preconditioner need per-layer, per-example quantities.
   */
  readonly curvatureRisk?: EmpiricalRisk;
  /** A seed for this step's random draws (Monte-Carlo targets), fixed by the run's seed and iteration. */
  readonly seed: number;
}

/** Per-iteration numbers an optimizer reports (HF: λ, ρ, CG iterations, …), shown by the training loop. */
export type OptimizerInfo = Readonly<Record<string, number | string | boolean>>;

/**
 * A gradient transformation (optax): init builds the state from θ, update maps (gradient, state,
 * context) to (step, new state); the loop applies θ ← θ + step. State is plain data — numbers,
 * strings, booleans, null, Float64Arrays, and arrays/records of these, never closures or class
 * instances — so a checkpoint writer can serialize it as it is (see isPlainState). update never
 * mutates its inputs; it returns fresh state.
 */
export interface Transform<S> {
  init(params: Float64Array): S;
  update(grad: Float64Array, state: S, ctx: StepContext): [step: Float64Array, state: S];
  /**
   * Which batch the loop should compute the gradient (and the loss it reports) on: "batch" (the
   * minibatch, default) or "large" (the gradient batch; Hessian-free).
   */
  readonly gradientSource?: "batch" | "large";
  /** What the last update did, for progress output (read from state; optional). */
  info?(state: S): OptimizerInfo;
  /**
   * Why this optimizer cannot make progress from `state` (e.g. its line search failed even along
   * −∇L), or null while it can; the training loop then stops with "stalled" and this sentence.
   */
  stalled?(state: S): string | null;
}

/**
 * Applies transforms in sequence, each seeing the previous one's output as its gradient; the state
 * is the tuple of states. Typed: chain(scaleByAdam(), scale(-1e-3)) is a Transform<[AdamState, EmptyState]>.
 */
export function chain<S extends readonly unknown[]>(...transforms: { readonly [K in keyof S]: Transform<S[K]> }): Transform<S> {
  const list = transforms as readonly Transform<unknown>[];
  const large = list.some((t) => t.gradientSource === "large");
  return {
    init: (params) => list.map((t) => t.init(params)) as unknown as S,
    update(grad, state, ctx) {
      const states = state as readonly unknown[];
      const next: unknown[] = [];
      let g = grad;
      list.forEach((t, i) => {
        const [u, s] = t.update(g, states[i], ctx);
        g = u;
        next.push(s);
      });
      return [g, next as unknown as S];
    },
    ...(large ? { gradientSource: "large" as const } : {}),
    info(state) {
      const states = state as readonly unknown[];
      const merged: Record<string, number | string | boolean> = {};
      list.forEach((t, i) => {
        if (t.info !== undefined) Object.assign(merged, t.info(states[i]));
      });
      return merged;
    },
    stalled(state) {
      const states = state as readonly unknown[];
      for (let i = 0; i < list.length; i++) {
        const reason = list[i]!.stalled?.(states[i]) ?? null;
        if (reason !== null) return reason;
      }
      return null;
    },
  };
}

/** θ + step as a new vector. */
export function applyUpdates(params: Float64Array, step: Float64Array): Float64Array {
  if (params.length !== step.length) throw new RangeError(`applyUpdates: θ has ${params.length} entries, the step ${step.length}`);
  const out = new Float64Array(params.length);
  for (let i = 0; i < out.length; i++) out[i] = params[i]! + step[i]!;
  return out;
}

/**
 * Whether a value is plain checkpointable data: finite-or-not numbers, strings, booleans, null,
 * Float64Arrays, and arrays / plain records of these (no functions, class instances, undefined).
 */
export function isPlainState(value: unknown): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case "number":
    case "string":
    case "boolean":
      return true;
    case "object":
      if (value instanceof Float64Array) return true;
      if (Array.isArray(value)) return value.every((v) => isPlainState(v));
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      return Object.values(value).every((v) => isPlainState(v));
    default:
      return false;
  }
}

/** A deep copy of plain state (Float64Arrays copied), e.g. to keep a checkpoint while training goes on. */
export function cloneState<S>(state: S): S {
  const copy = (v: unknown): unknown => {
    if (v instanceof Float64Array) return Float64Array.from(v);
    if (Array.isArray(v)) return v.map(copy);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)]));
    }
    return v;
  };
  return copy(state) as S;
}

/**
 * The most parameters a dense-matrix method (Newton, BFGS) accepts: its p×p float64 matrix is then
 * 200 MB and an eigendecomposition takes minutes. Beyond it, use newtonCg, lbfgs or hessianFree.
 */
export const DENSE_PARAMETER_LIMIT = 5000;

/** Throws a clear RangeError when a dense method is asked to handle more than DENSE_PARAMETER_LIMIT parameters. */
export function checkDenseSize(method: string, parameters: number): void {
  if (parameters > DENSE_PARAMETER_LIMIT) {
    throw new RangeError(
      `${method} forms a dense ${parameters}×${parameters} matrix; ${parameters} parameters exceed its limit of ${DENSE_PARAMETER_LIMIT} (use newton-cg, lbfgs or hf)`,
    );
  }
}
