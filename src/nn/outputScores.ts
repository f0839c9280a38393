/** @file output gradients s = ∂ℓᵢ/∂y at data targets or at targets sampled from the model: the Fisher's ingredients */
import { activate } from "../kernels/backends/backend.js";
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
  const dtype = y instanceof Float32Array ? "float32" : "float64";
  const out = allocate(dtype, n);
  switch (name) {
    case "mse":
      for (let i = 0; i < n; i++) out[i] = y[i]! + Math.SQRT1_2 * rng.normal();
      break;
    case "sigmoid_cross_entropy": {
      bernoulli(y.slice(), rows, width, rng, out, 0, 1);
      break;
    }
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

/**
 * s = ∂(Σℓ)/∂y at targets drawn from the model (sampleModelTargets, the same draws from the same
 * stream) in one fresh array. For sigmoid cross-entropy it is fused — s = σ(y) − t with t ~ Bernoulli(σ(y))
 * — because building the Fisher is otherwise dominated by first-touch page faults on three
 * throwaway output-sized arrays.
 */
export function sampledScores(name: LossName, y: TypedArray, targets: TypedArray, rows: number, width: number, rng: Rng): TypedArray {
  if (name !== "sigmoid_cross_entropy") return outputScores(name, y, sampleModelTargets(name, y, targets, rows, width, rng), rows, width);
  const s = y.slice();
  return bernoulli(s, rows, width, rng, s, 1, -1);
}

/**
 * Logits p ← σ(p) by the backend's vectorized sigmoid, then one draw tᵢ ~ Bernoulli(pᵢ) per element
 * in element order, out[i] ← keep·pᵢ + weight·tᵢ (out may be p). A 32-bit uniform per draw (a
 * Bernoulli needs no 53 bits), drawn in chunks of ~8k elements so the scratch stays in cache.
 */
function bernoulli(p: TypedArray, rows: number, width: number, rng: Rng, out: TypedArray, keep: number, weight: number): TypedArray {
  const dtype = p instanceof Float32Array ? "float32" : "float64";
  const chunkRows = Math.max(1, Math.floor(8192 / width));
  const zeroBias = allocate(dtype, width);
  const d1 = allocate(dtype, chunkRows * width);
  const u = new Uint32Array(chunkRows * width);
  for (let r0 = 0; r0 < rows; r0 += chunkRows) {
    const count = Math.min(chunkRows, rows - r0) * width;
    const o = r0 * width;
    activate("sigmoid", p.subarray(o, o + count), zeroBias, d1, count / width, width);
    rng.fillUint32(u.subarray(0, count));
    for (let i = 0; i < count; i++) {
      const pi = p[o + i]!;
      out[o + i] = keep * pi + (u[i]! * 2 ** -32 < pi ? weight : 0);
    }
  }
  return out;
}
