/** @file natural gradient: (F + λI)d = −∇L solved by CG with the Monte-Carlo Fisher (Amari 1998; Martens (2014) §5) */
import { cg } from "../linalg/cg.js";
import { damped } from "../linalg/linearOperator.js";
import type { CurvatureChoice, OptimizerInfo, Transform } from "./transform.js";

/** Options of naturalGradient. */
export interface NaturalGradientOptions {
  /** Learning rate (0.1). */
  readonly learningRate?: number;
  /** Momentum on the step (0). */
  readonly momentum?: number;
  /** λ of (F + λI) (1e-2). */
  readonly damping?: number;
  /** Fisher flavor: "fisher" (Monte-Carlo targets from the model, default) or "empiricalFisher". */
  readonly curvature?: CurvatureChoice;
  /** CG iteration cap (50) and relative residual tolerance (1e-4). */
  readonly maxCgIterations?: number;
  readonly cgTolerance?: number;
}

/** State of naturalGradient: the last step (momentum) and the last CG outcome. */
export type NaturalGradientState = {
  readonly previousStep: Float64Array;
  readonly cgIterations: number;
  readonly cgStop: string;
};

/**
 * Natural gradient descent: d = −(F + λI)⁻¹∇L with F the Fisher of the model's predictive
 * distribution on the curvature minibatch (targets sampled with ctx.seed, so E[F] = GGN), solved by
 * CG without forming F; step = lr·d + μ·previous step. The damping keeps CG well-posed where F is
 * singular (always, for p > cases·outputs).
 */
export function naturalGradient(options: NaturalGradientOptions = {}): Transform<NaturalGradientState> {
  const lr = options.learningRate ?? 0.1;
  const mu = options.momentum ?? 0;
  const lambda = options.damping ?? 1e-2;
  const kind = options.curvature ?? "fisher";
  return {
    init: (params) => ({ previousStep: new Float64Array(params.length), cgIterations: 0, cgStop: "none" }),
    update(g, state, ctx) {
      const A = damped(ctx.curvature(kind), lambda);
      const result = cg(A, g.map((x) => -x), { maxIter: options.maxCgIterations ?? 50, tol: options.cgTolerance ?? 1e-4 });
      const step = result.x.map((x, i) => lr * x + mu * state.previousStep[i]!);
      return [step, { previousStep: step, cgIterations: result.iterations, cgStop: result.stop }];
    },
    info: (s): OptimizerInfo => ({ cgIterations: s.cgIterations, cgStop: s.cgStop }),
  };
}
