/** @file what `train` says before it starts: the cost of a dense Newton iteration, a learning rate beyond 2/λmax */
import { curvatureOperator, linalg, type EmpiricalRisk } from "../node.js";

/** Above this many parameters a dense Newton iteration takes seconds, so train says so. */
export const NEWTON_NOTICE_PARAMETERS = 500;

/**
 * The notice for `--optimizer newton` at p > NEWTON_NOTICE_PARAMETERS: every iteration forms the
 * p×p matrix with p curvature products and eigendecomposes it, O(p³) — 4 s for eigh alone at
 * p = 1000 on one core of the machine this was measured on, 8–11 s per iteration at p = 1507.
 */
export function newtonCostNotice(optimizer: string, parameters: number): string | null {
  if (optimizer !== "newton" || parameters <= NEWTON_NOTICE_PARAMETERS) return null;
  const eighSeconds = 4.2 * (parameters / 1000) ** 3;
  return (
    `newton forms the dense ${parameters}×${parameters} Hessian every iteration: ${parameters} curvature products and an O(p³) eigendecomposition ` +
    `(≈ ${eighSeconds < 1 ? eighSeconds.toFixed(1) : eighSeconds.toFixed(0)} s for the eigendecomposition alone on one core); newton-cg, lbfgs or hf cost O(p) per product instead`
  );
}

/**
 * Gradient descent on the local quadratic model diverges along the top eigenvector once lr·λmax > 2
 * (heavy-ball momentum β: once lr·λmax > 2(1 + β)). Where λmax is cheap to know — p within the
 * dense spectrum limit — it is found by Lanczos on the whole-training-set Hessian at the start
 * (≈ 20–40 products), and a notice names the limit when the learning rate exceeds it.
 */
export function stabilityNotice(optimizer: string, lr: number | undefined, risk: EmpiricalRisk, theta: Float64Array): string | null {
  const factor = optimizer === "sgd" ? 2 : optimizer === "momentum" ? 2 * (1 + 0.9) : null;
  if (factor === null || lr === undefined || theta.length > linalg.DENSE_SPECTRUM_LIMIT) return null;
  const top = linalg.lanczos(curvatureOperator(risk, theta, "hessian"), { k: 1, which: "largest", tol: 1e-6, seed: 0 });
  const lambdaMax = top.values[0]!;
  if (!(lambdaMax > 0) || lr * lambdaMax <= factor) return null;
  const limit = factor / lambdaMax;
  const name = factor === 2 ? "2/λmax" : "2(1+β)/λmax";
  return `--lr ${lr} exceeds the stability limit ${name} = ${limit.toPrecision(6)} (λmax = ${lambdaMax.toPrecision(6)}, the Hessian's largest eigenvalue at the start): ${optimizer} is expected to diverge along its eigenvector unless the curvature drops`;
}
