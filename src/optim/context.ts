/** @file building StepContexts: from a network's empirical risks (training) or from a plain Tensor function (tests, toy problems) */
import { hvp, tensor, valueAndGrad, type Tensor } from "../autodiff/index.js";
import type { EmpiricalRisk } from "../curvature/empiricalRisk.js";
import { riskValue, riskValueAndGrad } from "../curvature/riskLoop.js";
import { curvatureOperator } from "../curvature/operators.js";
import type { LinearOperator } from "../linalg/linearOperator.js";
import type { CurvatureChoice, Objective, StepContext } from "./transform.js";

/** The objective L(θ) of an empirical risk. */
export function riskObjective(risk: EmpiricalRisk): Objective {
  return { value: (theta) => riskValue(risk, theta), valueAndGrad: (theta) => riskValueAndGrad(risk, theta) };
}

/** The curvature operator of a choice at θ on a risk; the MC Fisher draws its targets from `seed`. */
export function riskCurvature(risk: EmpiricalRisk, theta: Float64Array, kind: CurvatureChoice, seed: number): LinearOperator {
  return kind === "empiricalFisher"
    ? curvatureOperator(risk, theta, "fisher", { type: "empirical" })
    : curvatureOperator(risk, theta, kind, { type: "mc", seed });
}

/** Options of riskContext. */
export interface RiskContextOptions {
  readonly params: Float64Array;
  readonly iteration: number;
  readonly seed: number;
  /** The minibatch. */
  readonly batch: EmpiricalRisk;
  /** The large gradient batch (default: the minibatch). */
  readonly gradientBatch?: EmpiricalRisk;
  /** The curvature minibatch (default: the minibatch). */
  readonly curvatureBatch?: EmpiricalRisk;
}

/** A StepContext over a network's risks: minibatch, large gradient batch, curvature minibatch. */
export function riskContext(options: RiskContextOptions): StepContext {
  const curvatureRisk = options.curvatureBatch ?? options.batch;
  const objective = riskObjective(options.batch);
  return {
    params: options.params,
    iteration: options.iteration,
    seed: options.seed,
    objective,
    gradientObjective: options.gradientBatch === undefined ? objective : riskObjective(options.gradientBatch),
    curvatureObjective: options.curvatureBatch === undefined ? objective : riskObjective(curvatureRisk),
    curvature: (kind, theta) => riskCurvature(curvatureRisk, theta ?? options.params, kind, options.seed),
    curvatureRisk,
  };
}

/** A smooth scalar function of a flat θ written with Tensor ops: its objective and exact Hessian products. */
export interface TensorProblem {
  readonly objective: Objective;
  /** ∇²f(θ) as an operator (forward-over-reverse products). */
  hessian(theta: Float64Array): LinearOperator;
}

/** Wraps f: Tensor → scalar Tensor (float64) as an Objective with Hessian products. */
export function tensorProblem(f: (theta: Tensor) => Tensor): TensorProblem {
  const vg = valueAndGrad(f);
  return {
    objective: {
      value: (theta) => f(tensor(theta)).item(),
      valueAndGrad(theta) {
        const [v, g] = vg(tensor(theta));
        return { value: v.item(), grad: Float64Array.from(g.data()) };
      },
    },
    hessian(theta) {
      const th = tensor(theta);
      const p = theta.length;
      return {
        shape: [p, p],
        symmetric: true,
        matvec: (v) => Float64Array.from(hvp(f, th, tensor(v)).data()),
      };
    },
  };
}

/**
 * A StepContext for a deterministic problem without data: every objective is the same function and
 * every curvature choice is its Hessian (there is no model distribution to build a GGN or Fisher from).
 */
export function problemContext(problem: TensorProblem, params: Float64Array, iteration: number, seed = 0): StepContext {
  return {
    params,
    iteration,
    seed,
    objective: problem.objective,
    gradientObjective: problem.objective,
    curvatureObjective: problem.objective,
    curvature: (_kind, theta) => problem.hessian(theta ?? params),
  };
}
