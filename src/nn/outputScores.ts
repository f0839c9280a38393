/** @file output gradients s = ∂ℓᵢ/∂y at data targets or at targets sampled from the model: the Fisher's ingredients */
import { allocate, type TypedArray } from "../kernels/ndarray.js";
import type { Rng } from "../kernels/random.js";
import { lossGradientInPlace, softmaxRows } from "./fusedLosses.js";
import type { LossName } from "./losses.js";

/**
 * Targets drawn from the predictive distribution whose negative log-likelihood the loss is, for
 * outputs y [rows, width]: N(y, ½I) for squared error ((y − t)² is that Gaussian's NLL),
 * Bernoulli(σ(y)) for sigmoid CE, and Categorical(softmax y) for softmax CE, one-hot scaled by each
 * row's target mass (1 for probability targets). With them E[s sᵀ] = H_ℓ for s = ∂ℓ/∂y, which is
 * why the sampled Fisher equals the GGN in expectation (Martens & Grosse 2015 §5).
 */
export function sampleModelTargets(name: LossName, y: TypedArray, targets: TypedArray, rows: number, width: number, rng: Rng): TypedArray {
  const n = rows * width;
  const out = allocate(y instanceof Float32Array ? "float32" : "float64", n);
  switch (name) {
    case "mse":
      for (let i = 0; i < n; i++) out[i] = y[i]! + Math.SQRT1_2 * rng.normal();
      break;
    case "sigmoid_cross_entropy":
      for (let i = 0; i < n; i++) out[i] = rng.uniform() < 1 / (1 + Math.exp(-y[i]!)) ? 1 : 0;
      break;
    case "softmax_cross_entropy": {
      const p = new Float64Array(n);
      softmaxRows(y, rows, width, p);
      for (let r = 0; r < rows; r++) {
        let mass = 0;
        for (let c = 0; c < width; c++) mass += targets[r * width + c]!;
        let u = rng.uniform();
        let pick = width - 1;
        for (let c = 0; c < width; c++) {
          u -= p[r * width + c]!;
          if (u < 0) {
            pick = c;
            break;
          }
        }
        out[r * width + pick] = mass;
      }
      break;
    }
  }
  return out;
}

/** s = ∂(Σℓ)/∂y at targets t, a fresh [rows, width] array in y's element type. */
export function outputScores(name: LossName, y: TypedArray, t: TypedArray, rows: number, width: number): TypedArray {
  const dtype = y instanceof Float32Array ? "float32" : "float64";
  const out = allocate(dtype, rows * width);
  lossGradientInPlace(name, y, t, rows, width, allocate(dtype, rows * width), out);
  return out;
}
