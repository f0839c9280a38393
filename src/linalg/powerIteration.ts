/** @file the dominant eigenpair by power iteration, the baseline Lanczos is measured against */
import { Rng } from "../kernels/random.js";
import type { LinearOperator } from "./linearOperator.js";
import { axpy, dot, norm, randomVector, scaleInPlace } from "./vector.js";

/** Options of powerIteration. */
export interface PowerIterationOptions {
  /** Most products. Default 1000. */
  readonly maxIter?: number;
  /** Stops when ‖Aq − λq‖ ≤ tol·|λ|. Default 1e-8. */
  readonly tol?: number;
  /** Seed or generator for the start vector. Default 0. */
  readonly seed?: number | Rng;
}

/** The dominant eigenpair estimate. */
export interface PowerIterationResult {
  /** Rayleigh quotient qᵀAq of the final unit vector. */
  readonly value: number;
  /** Unit vector q. */
  readonly vector: Float64Array;
  /** ‖Aq − λq‖. */
  readonly residual: number;
  /** Products used (one per iteration). */
  readonly iterations: number;
  /** Whether the residual reached tol·|λ|. */
  readonly converged: boolean;
}

/**
 * The largest-magnitude eigenpair of a square operator by power iteration (von Mises 1929), as
 * PyHessian does. Converges like |λ₂/λ₁|ᵗ, so it is slow when the top two are close — the reason
 * lanczos exists; kept for comparison. Each step's product serves both the residual of the current
 * vector and the next vector, so the cost is one product per iteration.
 */
export function powerIteration(op: LinearOperator, options: PowerIterationOptions = {}): PowerIterationResult {
  const [n, cols] = op.shape;
  if (n !== cols) throw new RangeError(`powerIteration: operator of shape [${n}, ${cols}] is not square`);
  const maxIter = options.maxIter ?? 1000;
  const tol = options.tol ?? 1e-8;
  const rng = options.seed instanceof Rng ? options.seed : new Rng(options.seed ?? 0);
  let q = randomVector(rng, n);
  scaleInPlace(1 / norm(q), q);
  let value = 0;
  let residual = Infinity;
  let iterations = 0;
  while (iterations < maxIter) {
    const y = op.matvec(q);
    iterations++;
    value = dot(q, y);
    const r = Float64Array.from(y);
    axpy(-value, q, r);
    residual = norm(r);
    // Stop before moving q on the last step, so value, vector and residual belong together.
    if (residual <= tol * Math.abs(value) || iterations >= maxIter) break;
    const ynorm = norm(y);
    if (ynorm === 0) break; // q lies in the null space: λ = 0 is exact for it.
    q = scaleInPlace(1 / ynorm, y);
  }
  return { value, vector: q, residual, iterations, converged: residual <= tol * Math.abs(value) || residual === 0 };
}
