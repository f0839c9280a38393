/** @file shared fixtures of the optim tests: toy problems and a tiny autoencoder on seeded binary-ish images */
import { type Tensor } from "../autodiff/index.js";
import { empiricalRisk, type EmpiricalRisk } from "../curvature/empiricalRisk.js";
import { ndarray, type NDArray } from "../kernels/ndarray.js";
import { Rng, type RngState } from "../kernels/random.js";
import { autoencoder, initialize, type Network } from "../nn/index.js";
import { tensorProblem, type TensorProblem } from "./context.js";
import type { IndexSampler, TrainProblem } from "./train.js";

const at = (x: Tensor, i: number): Tensor => x.slice([i], [1]).sum();

/** f(x) = 1.5x₀² + x₀x₁ + x₁² − x₀ + x₁ = ½xᵀAx − bᵀx, A = [[3, 1], [1, 2]], b = (1, −1); minimizer (0.6, −0.8). */
export const QUADRATIC: { readonly problem: TensorProblem; readonly minimizer: Float64Array; readonly start: Float64Array } = {
  problem: tensorProblem((x) => {
    const a = at(x, 0);
    const b = at(x, 1);
    return a.square().mul(1.5).add(a.mul(b)).add(b.square()).sub(a).add(b);
  }),
  minimizer: Float64Array.of(0.6, -0.8),
  start: Float64Array.of(2, 1.5),
};

/** Rosenbrock (1 − x)² + 100(y − x²)² from the classic start (−1.2, 1); minimizer (1, 1). */
export const ROSENBROCK: { readonly problem: TensorProblem; readonly minimizer: Float64Array; readonly start: Float64Array } = {
  problem: tensorProblem((v) => {
    const x = at(v, 0);
    const y = at(v, 1);
    return x.neg().add(1).square().add(y.sub(x.square()).square().mul(100));
  }),
  minimizer: Float64Array.of(1, 1),
  start: Float64Array.of(-1.2, 1),
};

/** Max |a − b|. */
export function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** A tiny logistic autoencoder and its data: `cases` seeded images of `pixels` pixels, each a noisy copy of one of 4 prototypes. */
export interface TinyAutoencoder {
  readonly net: Network;
  readonly data: NDArray;
  readonly theta0: Float64Array;
  readonly risk: EmpiricalRisk;
  /** The risk of a subset of rows. */
  subset(indices: ArrayLike<number>): EmpiricalRisk;
}

/** The fixture: encoder [pixels, …hidden], Martens' sparse init is replaced by Glorot (tiny layers). */
export function tinyAutoencoder(seed: number, cases = 64, encoder: readonly number[] = [16, 8, 4]): TinyAutoencoder {
  const pixels = encoder[0]!;
  const rng = new Rng(seed);
  const prototypes = Array.from({ length: 4 }, () => Float64Array.from({ length: pixels }, () => (rng.uniform() < 0.5 ? 1 : 0)));
  const x = new Float64Array(cases * pixels);
  for (let i = 0; i < cases; i++) {
    const proto = prototypes[rng.int(4)]!;
    for (let j = 0; j < pixels; j++) x[i * pixels + j] = rng.uniform() < 0.1 ? 1 - proto[j]! : proto[j]!;
  }
  const data = ndarray(x, [cases, pixels]);
  const net = autoencoder(encoder);
  const subset = (indices: ArrayLike<number>): EmpiricalRisk => {
    const rows = new Float64Array(indices.length * pixels);
    for (let i = 0; i < indices.length; i++) rows.set(x.subarray(indices[i]! * pixels, (indices[i]! + 1) * pixels), i * pixels);
    const d = ndarray(rows, [indices.length, pixels]);
    return empiricalRisk(net, { inputs: d, targets: d });
  };
  return {
    net,
    data,
    theta0: initialize(net, { scheme: "glorot", seed: seed + 1 }),
    risk: empiricalRisk(net, { inputs: data, targets: data }),
    subset,
  };
}

/** The TrainProblem of a fixture. */
export function trainProblem(ae: TinyAutoencoder): TrainProblem {
  return { cases: ae.data.shape[0]!, risk: (indices) => ae.subset(indices), trainRisk: ae.risk };
}

/** The plain state of shuffleSampler. */
export type ShuffleState = { readonly order: readonly number[]; readonly position: number; readonly rng: RngState };

/** A seeded shuffling sampler with plain state (what data's BatchSampler provides, kept local so optim tests do not import data). */
export function shuffleSampler(n: number, batchSize: number, seed: number): IndexSampler<ShuffleState> {
  const rng = new Rng(seed);
  let order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  let position = 0;
  return {
    next() {
      if (position + batchSize > n) {
        order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
        position = 0;
      }
      const out = order.slice(position, position + batchSize);
      position += batchSize;
      return out;
    },
    getState: () => ({ order: [...order], position, rng: rng.getState() }),
    setState(s) {
      order = [...s.order];
      position = s.position;
      rng.setState(s.rng);
    },
  };
}
