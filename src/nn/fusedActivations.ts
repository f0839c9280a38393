/** @file activations with their first and second derivatives on typed arrays, for the fused dense passes */
import { gemm, gemmActivate, gemmBackend, type GemmCall } from "../kernels/backends/backend.js";
import { erfc, geluConstants, softplus as softplusScalar } from "../kernels/special.js";
import type { TypedArray } from "../kernels/ndarray.js";
import type { Activation } from "./activations.js";

const { SQRT_HALF, SQRT_2_OVER_PI, GELU_CUBIC } = geluConstants;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
/** PyTorch's default negative slope, as nn/activations.ts uses it. */
const LEAKY_SLOPE = 0.01;

/** Whether f'' ≡ 0 (so the Hessian pass can skip the second-derivative term of a layer). */
export function isPiecewiseLinear(act: Activation): boolean {
  return act === "linear" || act === "relu" || act === "leaky_relu";
}

/**
 * A dense layer's forward step: C ← op(A)·op(B) (the call's β must be 0, ldc = n), then
 * activateInPlace over C — in one call where the backend fuses the two (its epilogue runs on C
 * while C is still in its hands), else one after the other.
 */
export function affineActivate(call: GemmCall, act: Activation, bias: TypedArray, d1: TypedArray, d2: TypedArray | null): void {
  if (gemmActivate(call, act, bias, d1, d2)) return;
  gemm(call);
  activateInPlace(act, call.c, bias, d1, d2, call.m, call.n);
}

/**
 * For every row r < rows and column j < width: z = c[r, j] + bias[j]; then c[r, j] ← f(z),
 * d1[r, j] ← f'(z) and, when d2 is given, d2[r, j] ← f''(z). One pass and one exp per element: the
 * forward pass leaves exactly what the backward and R-passes need. The slopes use σ(z)·σ(−z)
 * (never 1 − σ², which cancels where units saturate), as the autodiff rules do, so both paths
 * agree to rounding. A backend with a native epilogue (SIMD exp) takes the activations it knows.
 */
export function activateInPlace(
  act: Activation,
  c: TypedArray,
  bias: TypedArray,
  d1: TypedArray,
  d2: TypedArray | null,
  rows: number,
  width: number,
): void {
  if (gemmBackend().activate?.(act, c, bias, d1, d2, rows, width) === true) return;
  const n = rows * width;
  switch (act) {
    case "linear":
      for (let i = 0, j = 0; i < n; i++, j = j + 1 === width ? 0 : j + 1) {
        c[i] = c[i]! + bias[j]!;
        d1[i] = 1;
      }
      if (d2 !== null) d2.fill(0, 0, n);
      return;
    case "relu":
      for (let i = 0, j = 0; i < n; i++, j = j + 1 === width ? 0 : j + 1) {
        const z = c[i]! + bias[j]!;
        // relu'(0) = 0 as in PyTorch; NaN stays NaN in both value and slope
        c[i] = z > 0 ? z : z <= 0 ? 0 : z;
        d1[i] = z > 0 ? 1 : z <= 0 ? 0 : z;
      }
      if (d2 !== null) d2.fill(0, 0, n);
      return;
    case "leaky_relu":
      for (let i = 0, j = 0; i < n; i++, j = j + 1 === width ? 0 : j + 1) {
        const z = c[i]! + bias[j]!;
        c[i] = z < 0 ? LEAKY_SLOPE * z : z;
        d1[i] = z > 0 ? 1 : LEAKY_SLOPE;
      }
      if (d2 !== null) d2.fill(0, 0, n);
      return;
    case "sigmoid":
      for (let i = 0, j = 0; i < n; i++, j = j + 1 === width ? 0 : j + 1) {
        const z = c[i]! + bias[j]!;
        const e = Math.exp(-Math.abs(z));
        const q = 1 / (1 + e);
        const sNeg = e * q; // σ(−|z|), exact for large |z|
        const s = z >= 0 ? q : sNeg;
        const slope = q * sNeg; // σ(z)σ(−z)
        c[i] = s;
        d1[i] = slope;
        // σ'' = σ'·(1 − 2σ) = σ'·(σ(−z) − σ(z))
        if (d2 !== null) d2[i] = z >= 0 ? slope * (sNeg - q) : slope * (q - sNeg);
      }
      return;
    case "tanh":
      for (let i = 0, j = 0; i < n; i++, j = j + 1 === width ? 0 : j + 1) {
        const z = c[i]! + bias[j]!;
        const y = Math.tanh(z);
        const e = Math.exp(-2 * Math.abs(z));
        const q = 1 / (1 + e);
        const sech2 = 4 * e * q * q; // 4σ(2z)σ(−2z)
        c[i] = y;
        d1[i] = sech2;
        if (d2 !== null) d2[i] = -2 * y * sech2;
      }
      return;
    case "softplus":
      for (let i = 0, j = 0; i < n; i++, j = j + 1 === width ? 0 : j + 1) {
        const z = c[i]! + bias[j]!;
        const e = Math.exp(-Math.abs(z));
        const q = 1 / (1 + e);
        const sNeg = e * q;
        c[i] = softplusScalar(z);
        d1[i] = z >= 0 ? q : sNeg;
        if (d2 !== null) d2[i] = q * sNeg;
      }
      return;
    case "gelu":
      for (let i = 0, j = 0; i < n; i++, j = j + 1 === width ? 0 : j + 1) {
        const z = c[i]! + bias[j]!;
        const cdf = 0.5 * erfc(-z * SQRT_HALF); // Φ(z) without the cancellation of 1 + erf
        const pdf = Math.exp(-0.5 * z * z) * INV_SQRT_2PI;
        c[i] = z * cdf;
        d1[i] = cdf + z * pdf;
        if (d2 !== null) d2[i] = pdf * (2 - z * z);
      }
      return;
    case "gelu_tanh":
      for (let i = 0, j = 0; i < n; i++, j = j + 1 === width ? 0 : j + 1) {
        // f = z·σ(w) with w = 2c(z + k z³): f' = σ + zσ'w', f'' = σ'(2w' + z w'') + zσ''w'²
        const z = c[i]! + bias[j]!;
        const z2 = z * z;
        const w = 2 * SQRT_2_OVER_PI * (z + GELU_CUBIC * z * z2);
        const dw = 2 * SQRT_2_OVER_PI * (1 + 3 * GELU_CUBIC * z2);
        const ddw = 2 * SQRT_2_OVER_PI * 6 * GELU_CUBIC * z;
        const e = Math.exp(-Math.abs(w));
        const q = 1 / (1 + e);
        const sNeg = e * q;
        const s = w >= 0 ? q : sNeg;
        const ds = q * sNeg;
        c[i] = z * s;
        d1[i] = s + z * ds * dw;
        if (d2 !== null) d2[i] = ds * (2 * dw + z * ddw) + z * ds * (w >= 0 ? sNeg - q : q - sNeg) * dw * dw;
      }
      return;
  }
}
