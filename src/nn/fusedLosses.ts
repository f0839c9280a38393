/** @file the losses of nn/losses.ts on typed arrays: summed value, output gradient and closed-form output Hessian product */
import { gemmBackend } from "../kernels/backends/backend.js";
import type { TypedArray } from "../kernels/ndarray.js";
import type { LossName } from "./losses.js";

/** p ← softmax of each row of y (max-shifted). */
export function softmaxRows(y: TypedArray, rows: number, width: number, p: TypedArray): void {
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
export function lossValue(name: LossName, y: TypedArray, t: TypedArray, rows: number, width: number): number {
  const n = rows * width;
  let s = 0;
  switch (name) {
    case "mse":
      for (let i = 0; i < n; i++) s += (y[i]! - t[i]!) ** 2;
      return s;
    case "sigmoid_cross_entropy":
      // (max(y, 0) − t·y) + log1p(e^{−|y|}): no cancellation of a tiny loss against |y| (cf. the native kernel)
      for (let i = 0; i < n; i++) s += Math.max(y[i]!, 0) - t[i]! * y[i]! + Math.log1p(Math.exp(-Math.abs(y[i]!)));
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

/** The losses whose Hessian loops live here (sigmoid cross-entropy is a backend layer step). */
type RowLoss = Exclude<LossName, "sigmoid_cross_entropy">;

/**
 * out ← ∂(Σℓ)/∂y: mse 2(y − t); sigmoid CE σ(y) − t (the backend's layer step); softmax CE
 * (Σt)·p − t (scratch: [rows, width] for p).
 */
export function lossGradientInPlace(name: LossName, y: TypedArray, t: TypedArray, rows: number, width: number, scratch: TypedArray, out: TypedArray): void {
  const n = rows * width;
  switch (name) {
    case "mse":
      for (let i = 0; i < n; i++) out[i] = 2 * (y[i]! - t[i]!);
      return;
    case "sigmoid_cross_entropy":
      gemmBackend().sigmoidCrossEntropy(y, t, out, null, n);
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
 * out ← H_ℓ·u, the Hessian of Σℓ in y applied to u row by row: mse 2u; softmax CE
 * (Σt)·(p⊙u − p·(pᵀu)). The same closed forms as outputHessianProduct.
 */
function lossHessianProductInPlace(
  name: RowLoss,
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

/** x[0:n] ← s·x[0:n] (nothing when s = 1). */
function scaleInPlace(x: TypedArray, n: number, s: number): void {
  if (s !== 1) for (let i = 0; i < n; i++) x[i] = x[i]! * s;
}

/**
 * Σℓ, with grad ← scale·∂(Σℓ)/∂y (the scale seeds the backward pass, so a caller's 1/N costs no
 * pass over θ). Sigmoid cross-entropy is the backend's layer step (an autoencoder's output layer
 * is as wide as its input, so this loss is not negligible).
 */
export function lossValueAndGradient(name: LossName, y: TypedArray, t: TypedArray, rows: number, width: number, scratch: TypedArray, grad: TypedArray, scale = 1): number {
  let value: number;
  if (name === "sigmoid_cross_entropy") value = gemmBackend().sigmoidCrossEntropy(y, t, grad, null, rows * width);
  else {
    value = lossValue(name, y, t, rows, width);
    lossGradientInPlace(name, y, t, rows, width, scratch, grad);
  }
  scaleInPlace(grad, rows * width, scale);
  return value;
}

/** hu ← scale·H_ℓ·u and, when grad is given, grad ← scale·∂(Σℓ)/∂y (the Hessian pass needs both, the GGN only hu). */
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
  scale = 1,
): void {
  const n = rows * width;
  if (name === "sigmoid_cross_entropy") gemmBackend().sigmoidCrossEntropy(y, t, grad ?? scratch, { u, out: hu, scale }, n);
  else {
    if (grad !== null) lossGradientInPlace(name, y, t, rows, width, scratch, grad);
    lossHessianProductInPlace(name, y, t, u, rows, width, scratch, hu);
    scaleInPlace(hu, n, scale);
  }
  if (grad !== null) scaleInPlace(grad, n, scale);
}
