/** @file "find critical point": Newton's method on φ = ½‖∇f‖², with the exact third-order Hessian of φ from nested autodiff */
import { grad, hessian, tensor, type Tensor } from "../../src/index.js";
import { labFunction, scalarForm } from "./functions.js";
import { analyzePoint, type LabQuery } from "./labModel.js";

/** Options of findCriticalPoint. */
export interface CriticalSearchOptions {
  /** At most this many Newton steps (default 100). */
  readonly maxIterations?: number;
}

/** Why the search stopped. */
export type CriticalSearchStop = "converged" | "stalled" | "maxIter";

/** The search's path and where it ended. */
export interface CriticalSearchResult {
  /** The iterates, the start first. */
  readonly path: readonly (readonly [number, number])[];
  readonly point: readonly [number, number];
  /** ‖∇f‖ at `point`. */
  readonly gradientNorm: number;
  readonly iterations: number;
  /** ‖∇f‖ at or below this (the lab's tolerance at `point`) is a critical point. */
  readonly gradientTolerance: number;
  /**
   * "converged": ‖∇f‖ ≤ gradientTolerance at the end; "stalled": no damped step lowers φ any more
   * and ‖∇f‖ is still above it — a local minimum of ‖∇f‖² that is not a critical point; "maxIter".
   */
  readonly stop: CriticalSearchStop;
}

/**
 * Minimizes φ(p) = ½‖∇f(p)‖² by Newton's method: ∇φ = H∇f and ∇²φ = H² + Σᵢ ∂ᵢf ∇²(∂ᵢf) come from
 * the library's autodiff (hessian of a function that itself calls grad). Where ∇²φ is not positive
 * definite or the step does not lower φ, Levenberg–Marquardt damping (∇²φ + μI) shortens and turns it
 * toward −∇φ, so φ decreases every step (Nocedal & Wright (2006) §10.3). Near a nondegenerate critical
 * point ∇²φ ≈ H² and the step is Newton's on ∇f = 0, converging quadratically; at a degenerate one
 * (the monkey saddle) φ is quartic and convergence is linear.
 */
export function findCriticalPoint(q: LabQuery, options: CriticalSearchOptions = {}): CriticalSearchResult {
  const f = scalarForm(labFunction(q.fn, q.quadratic));
  const gradF = grad(f);
  const phi = (p: Tensor): Tensor => {
    const g = gradF(p);
    return g.mul(g).sum().mul(0.5);
  };
  const gradPhi = grad(phi);
  const hessPhi = hessian(phi);
  const phiAt = (p: readonly [number, number]): number => phi(tensor([p[0], p[1]])).item();
  let point: readonly [number, number] = [q.x, q.y];
  const path = [point];
  const maxIterations = options.maxIterations ?? 100;
  // iterate to rounding level (until no step lowers φ): the lab then shows the critical point to
  // every digit, not just to the classification's tolerance
  let stalled = false;
  for (let k = 0; k < maxIterations; k++) {
    const p = tensor([point[0], point[1]]);
    const value = phi(p).item();
    if (value === 0) break;
    const [g0, g1] = gradPhi(p).toArray() as [number, number];
    const [a, b, , c] = Array.from(hessPhi(p).data()) as [number, number, number, number];
    const next = dampedStep(point, [g0, g1], [a, b, c], value, phiAt);
    if (next === null) {
      stalled = true;
      break;
    }
    point = next;
    path.push(point);
  }
  const end = analyzePoint({ ...q, x: point[0], y: point[1] });
  const critical = end.gradientNorm <= end.gradientTolerance;
  const stop: CriticalSearchStop = critical ? "converged" : stalled ? "stalled" : "maxIter";
  return { path, point, gradientNorm: end.gradientNorm, gradientTolerance: end.gradientTolerance, iterations: path.length - 1, stop };
}

/** The first of p − (A + μI)⁻¹g, μ = 0, μ₀, 10μ₀, … that lowers φ (A = [[a, b], [b, c]]), or null. */
function dampedStep(
  p: readonly [number, number],
  g: readonly [number, number],
  [a, b, c]: readonly [number, number, number],
  value: number,
  phiAt: (p: readonly [number, number]) => number,
): readonly [number, number] | null {
  const scale = Math.max(Math.abs(a), Math.abs(b), Math.abs(c), Number.MIN_VALUE);
  // smallest eigenvalue of the 2×2 ∇²φ: undamped Newton only where it is positive definite
  const lambdaMin = (a + c) / 2 - Math.hypot((a - c) / 2, b);
  let mu = lambdaMin > 1e-12 * scale ? 0 : -lambdaMin + 1e-8 * scale;
  for (let attempt = 0; attempt < 40; attempt++) {
    const [da, dc] = [a + mu, c + mu];
    const det = da * dc - b * b;
    if (det > 0 && Number.isFinite(det)) {
      const candidate = [p[0] - (dc * g[0] - b * g[1]) / det, p[1] - (da * g[1] - b * g[0]) / det] as const;
      if (phiAt(candidate) < value) return candidate;
    }
    mu = mu === 0 ? 1e-8 * scale : mu * 10;
  }
  return null;
}
