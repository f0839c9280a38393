/** @file the portable backend's layer steps in plain TypeScript: activation epilogues (the table's loops), backward and R-forward steps, sigmoid cross-entropy, conversion */
import { activationByCode, type ActivationCode } from "../activations.js";
import type { TypedArray } from "../ndarray.js";
import type { GemmBackend, GemmCall, SigmoidCeHessian } from "./backend.js";

/** LayerSteps.activate in TypeScript: every activation, both element types, f computed in float64 and rounded once. */
function activate(code: ActivationCode, c: TypedArray, bias: TypedArray, d1: TypedArray, d2: TypedArray | null, rows: number, width: number): void {
  activationByCode(code).epilogue(c, bias, d1, d2, rows * width, width);
}

/** LayerSteps.backwardStep in TypeScript; column sums accumulate in float64, so float32 bias gradients round once. */
function backwardStep(g: TypedArray, d1: TypedArray, rg: TypedArray | null, d2: TypedArray | null, bias: TypedArray, rows: number, width: number): void {
  const n = rows * width;
  const sumOf = rg ?? g;
  if (rg === null) {
    for (let i = 0; i < n; i++) g[i] = g[i]! * d1[i]!;
  } else if (d2 === null) {
    for (let i = 0; i < n; i++) {
      g[i] = g[i]! * d1[i]!;
      rg[i] = rg[i]! * d1[i]!;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const gi = g[i]!;
      rg[i] = rg[i]! * d1[i]! + gi * d2[i]!;
      g[i] = gi * d1[i]!;
    }
  }
  const acc = new Float64Array(width);
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    for (let j = 0; j < width; j++) acc[j]! += sumOf[o + j]!;
  }
  bias.set(acc);
}

/** LayerSteps.rForwardStep in TypeScript. */
function rForwardStep(rz: TypedArray, vb: TypedArray, d1: TypedArray, d2: TypedArray | null, p2: TypedArray | null, rows: number, width: number): void {
  const n = rows * width;
  for (let i = 0, j = 0; i < n; i++, j = j + 1 === width ? 0 : j + 1) {
    const r = rz[i]! + vb[j]!;
    if (d2 !== null && p2 !== null) p2[i] = d2[i]! * r;
    rz[i] = d1[i]! * r;
  }
}

/** LayerSteps.sigmoidCrossEntropy in TypeScript: the terms summed in float64 in element order. */
function sigmoidCrossEntropy(y: TypedArray, t: TypedArray, grad: TypedArray, hessian: SigmoidCeHessian | null, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const z = y[i]!;
    const e = Math.exp(-Math.abs(z));
    // (max(z, 0) − t·z) + log1p(e): the bracket is exactly 0 when a 0/1 target matches z's sign, so a
    // tiny loss is not the difference of softplus(z) ≈ |z| and t·z (as in the native and wasm kernels)
    s += Math.max(z, 0) - t[i]! * z + Math.log1p(e);
    grad[i] = (z >= 0 ? 1 / (1 + e) : e / (1 + e)) - t[i]!;
  }
  if (hessian !== null) {
    const { u, out, scale } = hessian;
    for (let i = 0; i < n; i++) {
      const e = Math.exp(-Math.abs(y[i]!));
      const q = 1 / (1 + e);
      out[i] = q * e * q * u[i]!;
    }
    // scaled in a second rounding, as the loss Hessians of the other losses are
    if (scale !== 1) for (let i = 0; i < n; i++) out[i] = out[i]! * scale;
  }
  return s;
}

/** out ← scale·out⊙u in place, for a SIMD kernel that left the diagonal σ(y)σ(−y) in out (one rounding in the element type). */
export function scaleByU({ u, out, scale }: SigmoidCeHessian, n: number): void {
  for (let i = 0; i < n; i++) out[i] = out[i]! * u[i]! * scale;
}

/** LayerSteps.convert in TypeScript: a typed-array set rounds float64 to float32 as Math.fround does. */
function convert(src: TypedArray, dst: TypedArray): void {
  dst.set(src);
}

/**
 * The layer steps every backend has, in TypeScript: the portable backend is gemm plus these, and
 * the other backends hand them what they do not accelerate. The unfused gemmActivate goes through
 * `this`, so a backend made by spreading these with another gemm (tests count products that way)
 * runs its own product.
 */
export const portableLayerSteps = {
  activate,
  backwardStep,
  rForwardStep,
  sigmoidCrossEntropy,
  convert,
  gemmActivate(this: GemmBackend, call: GemmCall, code: ActivationCode, bias: TypedArray, d1: TypedArray, d2: TypedArray | null): void {
    this.gemm(call);
    this.activate(code, call.c, bias, d1, d2, call.m, call.n);
  },
} as const;
