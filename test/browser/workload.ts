/** @file the library workload test/library.browser.test.ts runs twice, in Chromium and in Node, on the same built dist/index.js */
import type * as Lib from "../../src/index.js";

/** What one run reports: plain numbers, so it crosses page.evaluate unchanged. */
export interface WorkloadResult {
  readonly backend: string;
  readonly parameters: number;
  readonly loss: number;
  readonly grad: number[];
  readonly hv: number[];
  readonly topEigenvalue: number;
  readonly topResidual: number;
  readonly trainLosses: number[];
  readonly iterations: number;
  readonly trainedTheta: number[];
}

/**
 * A seeded float64 MLP 4-8-3 (tanh, softmax cross-entropy on probability targets, weight decay) on
 * 24 cases: L and ∇L (riskValueAndGrad), Hv for a seeded v (hessianOperator), the top Hessian
 * eigenvalue (Lanczos), and five Hessian-free steps of trainAsync on shuffled batches of 8.
 * The library is a parameter so that the page and Node make exactly the same calls.
 */
export async function runWorkload(lib: typeof Lib): Promise<WorkloadResult> {
  const [cases, dIn, dOut] = [24, 4, 3];
  const rng = new lib.Rng(12);
  const x = Float64Array.from({ length: cases * dIn }, () => rng.normal());
  const t = new Float64Array(cases * dOut);
  for (let i = 0; i < cases; i++) {
    const e = Array.from({ length: dOut }, () => Math.exp(rng.normal()));
    const sum = e.reduce((a, b) => a + b, 0);
    e.forEach((v, j) => (t[i * dOut + j] = v / sum));
  }
  const data = { inputs: lib.ndarray(x, [cases, dIn]), targets: lib.ndarray(t, [cases, dOut]) };
  const net = lib.mlp([dIn, 8, dOut], { hidden: "tanh", output: "linear", loss: "softmax_cross_entropy", weightDecay: 1e-3 });
  const theta = lib.initialize(net, { scheme: "glorot", seed: 5 });
  const risk = lib.empiricalRisk(net, data, { dtype: "float64" });

  const { value, grad } = lib.riskValueAndGrad(risk, theta);
  const v = Float64Array.from({ length: theta.length }, () => rng.normal());
  const hessian = lib.hessianOperator(risk, theta);
  const hv = hessian.matvec(v);
  const top = lib.linalg.lanczos(hessian, { k: 1, which: "largest", seed: 3 });

  const rows = (indices: ArrayLike<number>): { inputs: Lib.NDArray; targets: Lib.NDArray } => ({
    inputs: lib.takeRows(data.inputs, indices),
    targets: lib.takeRows(data.targets, indices),
  });
  const trainLosses: number[] = [];
  const result = await lib.trainAsync({
    transform: lib.hessianFree(),
    problem: { cases, risk: (indices) => lib.empiricalRisk(net, rows(indices), { dtype: "float64" }), trainRisk: risk },
    sampler: new lib.BatchSampler({ n: cases, batchSize: 8, seed: 7 }),
    params: theta,
    seed: 9,
    maxIterations: 5,
    onIteration: (record) => trainLosses.push(record.loss),
  });
  trainLosses.push(result.trainLoss);
  return {
    backend: lib.gemmBackend().name,
    parameters: theta.length,
    loss: value,
    grad: Array.from(grad),
    hv: Array.from(hv),
    topEigenvalue: top.values[0]!,
    topResidual: top.residuals[0]!,
    trainLosses,
    iterations: result.state.iteration,
    trainedTheta: Array.from(result.state.params),
  };
}
