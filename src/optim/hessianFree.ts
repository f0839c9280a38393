/** @file Hessian-free optimization as in Martens (2010) and his reference code: damped GGN, Martens' CG, backtracking, line search */
import { kfacOperator } from "../curvature/kfac.js";
import { damped } from "../linalg/linearOperator.js";
import { dot } from "../linalg/vector.js";
import { meanSquaredExampleGradient } from "../curvature/exampleGradients.js";
import { armijo } from "./lineSearch.js";
import {
  cgBacktrack,
  hfConjugateGradient,
  saveSchedule,
  updateDamping,
  type DampingRuleOptions,
  type ProgressRuleOptions,
} from "./hfCg.js";
import type { OptimizerInfo, Transform } from "./transform.js";

/** Options of hessianFree; every constant of Martens (2010) is one, with his defaults. */
export interface HessianFreeOptions extends ProgressRuleOptions, DampingRuleOptions {
  /** Curvature matrix G ("ggn"; "hessian" or "empiricalFisher" selectable). */
  readonly curvature?: "ggn" | "hessian" | "empiricalFisher";
  /** Initial λ (Martens' reference code uses 45 for the autoencoders; default 1). */
  readonly initialDamping?: number;
  /** CG iteration cap (250). */
  readonly maxCgIterations?: number;
  /** CG iterations before the progress rule may stop it (1). */
  readonly minCgIterations?: number;
  /** Iterates saved at ⌈saveFirst·saveRatioʲ⌉ (5, 1.3). */
  readonly saveFirst?: number;
  readonly saveRatio?: number;
  /** CG-backtracking over the saved iterates (true). */
  readonly backtracking?: boolean;
  /**
   * CG's preconditioner (needs ctx.curvatureRisk; none without it): "diag", Martens' (mean per-example
   * g² + λ + η)^exponent (the default); "kfac", K-FAC's factored-damped inverse of F̂ + λI at HF's
   * current λ (Martens & Grosse 2015 §6.3; MC targets from ctx.seed, the data's with the empirical
   * Fisher); or "none".
   */
  readonly preconditioner?: HfPreconditioner;
  /** The exponent ξ of the preconditioner (0.75, Martens (2010) §4.7). */
  readonly preconditionerExponent?: number;
  /** Warm start x₀ = decay·previous CG solution (0.95, §4.5). */
  readonly warmStartDecay?: number;
  /** Armijo constant c on the final step (10⁻²), shrink factor (0.8) and most trials (60). */
  readonly armijoC?: number;
  readonly armijoShrink?: number;
  readonly armijoMaxSteps?: number;
  /** Zero steps in a row that make a stall (20: λ has grown by up to 1.5²⁰ ≈ 3300 meanwhile). */
  readonly maxRejections?: number;
}

/** Which preconditioner HF's CG uses. */
export type HfPreconditioner = "diag" | "kfac" | "none";

/** The preconditioner names, for flag parsing. */
export const HF_PRECONDITIONERS: readonly HfPreconditioner[] = ["diag", "kfac", "none"];

/** One HF iteration as reported to the training loop. */
export type HessianFreeRecord = {
  /** L(θ) on the gradient batch before the step. */
  readonly loss: number;
  /** L after the step on the gradient batch (= loss when rejected). */
  readonly newLoss: number;
  /** λ used for this step's CG. */
  readonly damping: number;
  readonly rho: number;
  readonly cgIterations: number;
  readonly cgStop: string;
  /** The CG iteration backtracking chose. */
  readonly backtrackIteration: number;
  /** The Armijo step size (0: step rejected). */
  readonly stepSize: number;
};

/** State of hessianFree: λ, the last CG solution (for the warm start) and the last record. */
export type HessianFreeState = {
  readonly damping: number;
  readonly previous: Float64Array;
  /** The last iteration's record (NaNs and cgStop "none" before the first). */
  readonly last: HessianFreeRecord;
  /** Zero steps (rejected or Armijo failed) in a row. */
  readonly rejections: number;
};

const NO_RECORD: HessianFreeRecord = {
  loss: NaN,
  newLoss: NaN,
  damping: NaN,
  rho: NaN,
  cgIterations: 0,
  cgStop: "none",
  backtrackIteration: 0,
  stepSize: 0,
};

/**
 * Hessian-free (Martens 2010): each update solves (G + λI)p = −∇L by preconditioned CG (§4.4 stop
 * rule, ≤ 250 iterations, exit on negative curvature) warm-started from 0.95·the previous solution
 * (§4.5), G on the curvature minibatch and ∇L on the large batch (§4.8); picks the best saved CG
 * iterate on the curvature batch (§4.6); adapts λ by ρ = (L_c(θ+p) − L_c(θ)) / (∇Lᵀp + ½pᵀGp)
 * (§4.1, undamped G); and scales p by an Armijo search on the gradient batch (c = 10⁻², ×0.8, as the
 * reference code). A non-finite loss makes ρ = −∞ (λ grows) and the step is rejected.
 * Deviation: a p with ∇Lᵀp ≥ 0 is rejected outright (Armijo would otherwise accept an ascent).
 * maxRejections zero steps in a row are a stall (e.g. ρ = 0 at rounding level while λ only grows).
 */
export function hessianFree(options: HessianFreeOptions = {}): Transform<HessianFreeState> {
  const kind = options.curvature ?? "ggn";
  const maxIter = options.maxCgIterations ?? 250;
  const schedule = saveSchedule(maxIter, options.saveFirst ?? 5, options.saveRatio ?? 1.3);
  const decay = options.warmStartDecay ?? 0.95;
  const exponent = options.preconditionerExponent ?? 0.75;
  const maxRejections = options.maxRejections ?? 20;
  const progressRule: ProgressRuleOptions = {
    tolerance: options.tolerance ?? 5e-4,
    gapRatio: options.gapRatio ?? 0.1,
    minGap: options.minGap ?? 10,
  };
  return {
    gradientSource: "large",
    init: (params) => ({ damping: options.initialDamping ?? 1, previous: new Float64Array(params.length), last: NO_RECORD, rejections: 0 }),
    update(g, state, ctx) {
      const p = g.length;
      const lambda = state.damping;
      const f0 = ctx.value ?? ctx.gradientObjective.value(ctx.params);
      const zero = new Float64Array(p);
      const reject = (rho: number, cgIterations: number, cgStop: string, backtrackIteration: number): [Float64Array, HessianFreeState] => [
        zero,
        {
          damping: updateDamping(lambda, rho, options),
          previous: state.previous,
          last: { loss: f0, newLoss: f0, damping: lambda, rho, cgIterations, cgStop, backtrackIteration, stepSize: 0 },
          rejections: state.rejections + 1,
        },
      ];
      if (!Number.isFinite(f0) || !g.every(Number.isFinite)) return reject(-Infinity, 0, "nonFinite", 0);
      const G = ctx.curvature(kind);
      const A = damped(G, lambda);
      let preconditioner: ((r: Float64Array) => Float64Array) | undefined;
      const preconditionerKind = options.preconditioner ?? "diag";
      if (preconditionerKind === "kfac" && ctx.curvatureRisk !== undefined) {
        const fisher = kind === "empiricalFisher" ? "empirical" : "mc";
        const inverse = kfacOperator(ctx.curvatureRisk, ctx.params, { type: fisher, seed: ctx.seed }).inverse(lambda);
        preconditioner = (r) => inverse.matvec(r);
      } else if (preconditionerKind === "diag" && ctx.curvatureRisk !== undefined) {
        const wd = ctx.curvatureRisk.network.weightDecay;
        const m = meanSquaredExampleGradient(ctx.curvatureRisk, ctx.params).map((x) => (x + lambda + wd) ** exponent);
        preconditioner = (r) => r.map((x, i) => x / m[i]!);
      }
      const b = g.map((x) => -x);
      const x0 = state.previous.map((x) => decay * x);
      const solve = hfConjugateGradient(A, b, {
        x0,
        maxIter,
        minIter: options.minCgIterations ?? 1,
        save: schedule,
        ...(preconditioner !== undefined ? { preconditioner } : {}),
        ...progressRule,
      });
      const final = solve.iterates[solve.iterates.length - 1]!;
      const fc0 = ctx.curvatureObjective.value(ctx.params);
      const shifted = (x: Float64Array): Float64Array => x.map((v, i) => v + ctx.params[i]!);
      const choice =
        options.backtracking ?? true
          ? cgBacktrack(solve.iterates, (x) => ctx.curvatureObjective.value(shifted(x)))
          : { index: solve.iterates.length - 1, iteration: final.iteration, value: ctx.curvatureObjective.value(shifted(final.x)) };
      const step = solve.iterates[choice.index]!.x;
      const slope = dot(g, step);
      const denominator = slope + 0.5 * dot(step, G.matvec(step));
      // Martens' code: an increase of the loss counts as ρ = −∞ whatever the model predicted.
      const rho = !Number.isFinite(choice.value) || choice.value > fc0 ? -Infinity : (choice.value - fc0) / denominator;
      const next = updateDamping(lambda, rho, options);
      const record = { loss: f0, damping: lambda, rho, cgIterations: solve.iterations, cgStop: solve.stop, backtrackIteration: choice.iteration };
      const previous = Float64Array.from(final.x);
      if (!(slope < 0)) return [zero, { damping: next, previous, last: { ...record, newLoss: f0, stepSize: 0 }, rejections: state.rejections + 1 }];
      const search = armijo((rate) => ctx.gradientObjective.value(shifted(step.map((x) => rate * x))), f0, slope, {
        c: options.armijoC ?? 1e-2,
        shrink: options.armijoShrink ?? 0.8,
        maxSteps: options.armijoMaxSteps ?? 60,
      });
      const rate = search.accepted ? search.alpha : 0;
      return [
        step.map((x) => rate * x),
        { damping: next, previous, last: { ...record, newLoss: search.value, stepSize: rate }, rejections: rate === 0 ? state.rejections + 1 : 0 },
      ];
    },
    info: (s): OptimizerInfo => ({ ...s.last, nextDamping: s.damping }),
    stalled: (s) =>
      s.rejections >= maxRejections ? `${s.rejections} zero steps in a row (λ now ${s.damping.toExponential(2)}, ρ ${s.last.rho.toPrecision(3)}): CG's steps no longer lower the loss` : null,
  };
}
