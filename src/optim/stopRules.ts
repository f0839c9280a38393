/** @file why a training run stops: the stop reasons, the default tolerances, and the whole-set convergence tests */

/**
 * Why training stopped: a budget ran out, it converged (a tolerance was met), the optimizer stalled
 * (its own rule: a line search that fails along −∇L, a trust region or damping that keeps rejecting),
 * the parameters became non-finite, or it was interrupted.
 */
export type TrainStop =
  | "maxIterations"
  | "maxEpochs"
  | "maxSeconds"
  | "gradientTolerance"
  | "relativeTolerance"
  | "stalled"
  | "nonFinite"
  | "interrupted";

/** A stop found inside an iteration, with its sentence. */
export interface StopReason {
  readonly stop: TrainStop;
  readonly detail: string;
}

/** The default gradientTolerance: torch.optim.LBFGS's tolerance_grad (on the Euclidean norm here). */
export const DEFAULT_GRADIENT_TOLERANCE = 1e-7;

/**
 * The default relativeTolerance: 10·ε of float64, scipy's L-BFGS-B ftol at factr = 10 ("extremely
 * high accuracy"), so L must stop changing at working precision. scipy's default factr = 10⁷ stops
 * L-BFGS at ‖∇L‖ ≈ 1e-5 on a loss of order 1, long before the gradient tolerance; the analysis
 * commands (spectrum, critical-point class) want the critical point itself.
 */
export const DEFAULT_RELATIVE_TOLERANCE = 10 * Number.EPSILON;

/** The previous iteration as the convergence test needs it: L before its step, and ‖Δθ‖ (undefined in old histories). */
export interface PreviousStep {
  readonly loss: number;
  readonly stepNorm?: number;
}

/**
 * The convergence test of a whole-set iteration, before its step: ‖∇L‖ ≤ gtol, or the previous
 * step changed L by |ΔL| ≤ ftol·max(|L|, |L′|, 1) (scipy's ftol). A zero step (rejected) does not
 * count: the optimizer's stall rule judges those. 0 turns a test off.
 */
export function convergence(gradientNorm: number, value: number, previous: PreviousStep | undefined, gtol: number, ftol: number): StopReason | null {
  if (gtol > 0 && gradientNorm <= gtol) return { stop: "gradientTolerance", detail: `‖∇L‖ = ${gradientNorm.toExponential(2)} ≤ gradient tolerance ${gtol}` };
  if (ftol > 0 && previous !== undefined && previous.stepNorm !== 0) {
    const change = Math.abs(previous.loss - value) / Math.max(Math.abs(previous.loss), Math.abs(value), 1);
    if (change <= ftol) {
      return { stop: "relativeTolerance", detail: `the last step changed L by ${change.toExponential(2)} relative ≤ relative tolerance ${ftol.toExponential(2)}` };
    }
  }
  return null;
}

/** The sentence for a stop the loop decided between iterations (a budget, an interruption). */
export function budgetDetail(stop: TrainStop, budgets: { readonly maxIterations?: number; readonly maxEpochs?: number; readonly maxSeconds?: number }): string {
  switch (stop) {
    case "maxIterations":
      return `the iteration budget (${budgets.maxIterations}) is spent`;
    case "maxEpochs":
      return `the epoch budget (${budgets.maxEpochs}) is spent`;
    case "maxSeconds":
      return `the time budget (${budgets.maxSeconds} s) is spent`;
    case "interrupted":
      return "interrupted";
    default:
      return stop;
  }
}
