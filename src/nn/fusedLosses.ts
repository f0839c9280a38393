/** @file the losses of nn/losses.ts on typed arrays: summed value, output gradient and closed-form output Hessian product */
import { gemmBackend } from "../kernels/backends/backend.js";
import type { TypedArray } from "../kernels/ndarray.js";
import { softplus } from "../kernels/special.js";
import type { LossName } from "./losses.js";

/** p ← softmax of each row of y (max-shifted), and returns nothing: the scratch holds it. */
function softmaxRows(y: TypedArray, rows: number, width: number, p: TypedArray): void {
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    let max = -Infinity;
    for (let j = 0; j < width; j++) max = Math.max(max, y[o + j]!);
    let sum = 0;
    for (let j = 0; j < width; j++) {
      const e = Math.exp(y[o + j]! - max);
      p[o + j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = 0; j < width; j++) p[o + j] = p[o + j]! * inv;
  }
}

/** Σ ℓ over a [rows, width] batch of outputs y and targets t, as lossSum defines it. */
export function lossValue(name: LossName, y: TypedArray, t: TypedArray, rows: number, width: number, _scratch: TypedArray): number {
  const n = rows * width;
  let s = 0;
  switch (name) {
    case "mse":
      for (let i = 0; i < n; i++) s += (y[i]! - t[i]!) ** 2;
      return s;
    case "sigmoid_cross_entropy":
      for (let i = 0; i < n; i++) s += softplus(y[i]!) - t[i]! * y[i]!;
      return s;
    case "softmax_cross_entropy":
      for (let r = 0; r < rows; r++) {
        const o = r * width;
        let max = -Infinity;
        for (let j = 0; j < width; j++) max = Math.max(max, y[o + j]!);
        let sum = 0;
        for (let j = 0; j < width; j++) sum += Math.exp(y[o + j]! - max);
        const logZ = max + Math.log(sum);
        for (let j = 0; j < width; j++) s -= t[o + j]! * (y[o + j]! - logZ);
      }
      return s;
  }
}

/** out ← ∂(Σℓ)/∂y: mse 2(y − t); sigmoid CE σ(y) − t; softmax CE (Σt)·p − t. */
function lossGradientInPlace(name: LossName, y: TypedArray, t: TypedArray, rows: number, width: number, scratch: TypedArray, out: TypedArray): void {
  const n = rows * width;
  switch (name) {
    case "mse":
      for (let i = 0; i < n; i++) out[i] = 2 * (y[i]! - t[i]!);
      return;
    case "sigmoid_cross_entropy":
      for (let i = 0; i < n; i++) {
        const z = y[i]!;
        const e = Math.exp(-Math.abs(z));
        out[i] = (z >= 0 ? 1 / (1 + e) : e / (1 + e)) - t[i]!;
      }
      return;
    case "softmax_cross_entropy":
      softmaxRows(y, rows, width, scratch);
      for (let r = 0; r < rows; r++) {
        const o = r * width;
        let mass = 0;
        for (let j = 0; j < width; j++) mass += t[o + j]!;
        for (let j = 0; j < width; j++) out[o + j] = mass * scratch[o + j]! - t[o + j]!;
      }
      return;
  }
}

/**
 * out ← H_ℓ·u, the Hessian of Σℓ in y applied to u row by row: mse 2u; sigmoid CE σ(y)σ(−y)⊙u;
 * softmax CE (Σt)·(p⊙u − p·(pᵀu)). The same closed forms as outputHessianProduct.
 */
function lossHessianProductInPlace(
  name: LossName,
  y: TypedArray,
  t: TypedArray,
  u: TypedArray,
  rows: number,
  width: number,
  scratch: TypedArray,
  out: TypedArray,
): void {
  const n = rows * width;
  switch (name) {
    case "mse":
      for (let i = 0; i < n; i++) out[i] = 2 * u[i]!;
      return;
    case "sigmoid_cross_entropy":
      for (let i = 0; i < n; i++) {
        const e = Math.exp(-Math.abs(y[i]!));
        const q = 1 / (1 + e);
        out[i] = q * e * q * u[i]!;
      }
      return;
    case "softmax_cross_entropy":
      softmaxRows(y, rows, width, scratch);
      for (let r = 0; r < rows; r++) {
        const o = r * width;
        let mass = 0;
        let pu = 0;
        for (let j = 0; j < width; j++) {
          mass += t[o + j]!;
          pu += scratch[o + j]! * u[o + j]!;
        }
        for (let j = 0; j < width; j++) out[o + j] = mass * scratch[o + j]! * (u[o + j]! - pu);
      }
      return;
  }
}

/**
 * Σℓ, with grad ← ∂(Σℓ)/∂y. Sigmoid cross-entropy goes to the backend's SIMD kernel when it has
 * one (an autoencoder's output layer is as wide as its input, so this loss is not negligible).
 */
export function lossValueAndGradient(name: LossName, y: TypedArray, t: TypedArray, rows: number, width: number, scratch: TypedArray, grad: TypedArray): number {
  const simd = name === "sigmoid_cross_entropy" ? gemmBackend().sigmoidCrossEntropy?.(y, t, grad, null, rows * width) : undefined;
  if (simd !== undefined && simd !== null) return simd;
  const value = lossValue(name, y, t, rows, width, scratch);
  lossGradientInPlace(name, y, t, rows, width, scratch, grad);
  return value;
}

/** hu ← H_ℓ·u and, when grad is given, grad ← ∂(Σℓ)/∂y (the Hessian pass needs both, the GGN only hu). */
export function lossGradientAndHessianProduct(
  name: LossName,
  y: TypedArray,
  t: TypedArray,
  u: TypedArray,
  rows: number,
  width: number,
  scratch: TypedArray,
  grad: TypedArray | null,
  hu: TypedArray,
): void {
  const n = rows * width;
  // the backend's kernel leaves the diagonal σ(y)σ(−y) in hu, then it is scaled by u in place
  if (name === "sigmoid_cross_entropy" && gemmBackend().sigmoidCrossEntropy?.(y, t, grad ?? scratch, hu, n) != null) {
    for (let i = 0; i < n; i++) hu[i] = hu[i]! * u[i]!;
    return;
  }
  if (grad !== null) lossGradientInPlace(name, y, t, rows, width, scratch, grad);
  lossHessianProductInPlace(name, y, t, u, rows, width, scratch, hu);
}
