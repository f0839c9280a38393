/** @file minimize: a transform run on a deterministic TensorProblem (toy problems, tests, small fits) */
import { norm } from "../linalg/vector.js";
import { problemContext, type TensorProblem } from "./context.js";
import { applyUpdates, type Transform } from "./transform.js";

/** Options of minimize. */
export interface MinimizeOptions {
  readonly maxIterations: number;
  /** Stop when ‖∇f‖ ≤ gradTol (default 0: run all iterations). */
  readonly gradTol?: number;
}

/** The path of a minimize run: θ after each iteration (θ₀ first), f and ‖∇f‖ at each, and the final state. */
export interface MinimizeResult<S> {
  readonly params: Float64Array;
  readonly path: readonly Float64Array[];
  readonly values: readonly number[];
  readonly gradNorms: readonly number[];
  readonly state: S;
  readonly iterations: number;
}

/** Runs θ ← θ + update(∇f(θ)) for up to maxIterations, every context built by problemContext. */
export function minimize<S>(transform: Transform<S>, problem: TensorProblem, x0: Float64Array, options: MinimizeOptions): MinimizeResult<S> {
  let params: Float64Array = Float64Array.from(x0);
  let state = transform.init(params);
  const path = [params];
  const values: number[] = [];
  const gradNorms: number[] = [];
  let k = 0;
  for (; ; k++) {
    const { value, grad } = problem.objective.valueAndGrad(params);
    values.push(value);
    gradNorms.push(norm(grad));
    if (k >= options.maxIterations || norm(grad) <= (options.gradTol ?? 0)) break;
    const [step, next] = transform.update(grad, state, { ...problemContext(problem, params, k), value });
    state = next;
    params = applyUpdates(params, step);
    path.push(params);
  }
  return { params, path, values, gradNorms, state, iterations: k };
}
