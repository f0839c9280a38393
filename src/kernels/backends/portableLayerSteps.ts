/** @file the portable backend's layer steps in plain TypeScript: activation epilogues with f′ and f″, backward and R-forward steps, sigmoid cross-entropy, conversion */
import { ACTIVATIONS, ACTIVATION_TABLE, LEAKY_SLOPE, type ActivationCode, type ActivationName } from "../activations.js";
import type { TypedArray } from "../ndarray.js";
import { erfc, geluConstants, softplus } from "../special.js";
import type { GemmBackend, GemmCall, SigmoidCeHessian } from "./backend.js";

const { SQRT_HALF, SQRT_2_OVER_PI, GELU_CUBIC } = geluConstants;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** One activation's epilogue over n = rows·width elements (see LayerSteps.activate). */
type Epilogue = (c: TypedArray, bias: TypedArray, d1: TypedArray, d2: TypedArray | null, n: number, width: number) => void;

// One pass and one exp per element: the forward pass leaves exactly what the backward and R-passes
// need. The slopes use σ(z)·σ(−z) (never 1 − σ², which cancels where units saturate), as the
// autodiff rules do, so both paths agree to rounding. One function per activation keeps each
// loop monomorphic; the Record makes a missing loop a compile error.
const EPILOGUES: Record<ActivationName, Epilogue> = {
  linear: (c, bias, d1, d2, n, width) => {
    for (let i = 0, j = 0; i < n; i++, j = j + 1 === width ? 0 : j + 1) {
      c[i] = c[i]! + bias[j]!;
      d1[i] = 1;
    }
    if (d2 !== null) d2.fill(0, 0, n);
  },
  relu: (c, bias, d1, d2, n, width) => {
    for (let i = 0, j = 0; i < n; i++, j = j + 1 === width ? 0 : j + 1) {
      const z = c[i]! + bias[j]!;
      // relu'(0) = 0 as in PyTorch; NaN stays NaN in both value and slope
      c[i] = z > 0 ? z : z <= 0 ? 0 : z;
      d1[i] = z > 0 ? 1 : z <= 0 ? 0 : z;
    }
    if (d2 !== null) d2.fill(0, 0, n);
  },
  leaky_relu: (c, bias, d1, d2, n, width) => {
    for (let i = 0, j = 0; i < n; i++, j = j + 1 === width ? 0 : j + 1) {
      const z = c[i]! + bias[j]!;
      c[i] = z < 0 ? LEAKY_SLOPE * z : z;
      d1[i] = z > 0 ? 1 : z <= 0 ? LEAKY_SLOPE : z;
    }
    if (d2 !== null) d2.fill(0, 0, n);
  },
  sigmoid: (c, bias, d1, d2, n, width) => {
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
  },
  tanh: (c, bias, d1, d2, n, width) => {
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
  },
  softplus: (c, bias, d1, d2, n, width) => {
    for (let i = 0, j = 0; i < n; i++, j = j + 1 === width ? 0 : j + 1) {
      const z = c[i]! + bias[j]!;
      const e = Math.exp(-Math.abs(z));
      const q = 1 / (1 + e);
      const sNeg = e * q;
      c[i] = softplus(z);
      d1[i] = z >= 0 ? q : sNeg;
      if (d2 !== null) d2[i] = q * sNeg;
    }
  },
  gelu: (c, bias, d1, d2, n, width) => {
    for (let i = 0, j = 0; i < n; i++, j = j + 1 === width ? 0 : j + 1) {
      const z = c[i]! + bias[j]!;
      const cdf = 0.5 * erfc(-z * SQRT_HALF); // Φ(z) without the cancellation of 1 + erf
      const pdf = Math.exp(-0.5 * z * z) * INV_SQRT_2PI;
      c[i] = z * cdf;
      d1[i] = cdf + z * pdf;
      if (d2 !== null) d2[i] = pdf * (2 - z * z);
    }
  },
  gelu_tanh: (c, bias, d1, d2, n, width) => {
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
  },
};

/** The epilogues by code (the table's codes are 0 … n−1, checked by the activation tests). */
const BY_CODE: readonly Epilogue[] = ACTIVATIONS.reduce<Epilogue[]>((byCode, name) => {
  byCode[ACTIVATION_TABLE[name].code] = EPILOGUES[name];
  return byCode;
}, []);

/** LayerSteps.activate in TypeScript: every activation, both element types, f computed in float64 and rounded once. */
function activate(code: ActivationCode, c: TypedArray, bias: TypedArray, d1: TypedArray, d2: TypedArray | null, rows: number, width: number): void {
  BY_CODE[code]!(c, bias, d1, d2, rows * width, width);
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
    s += softplus(z) - t[i]! * z;
    const e = Math.exp(-Math.abs(z));
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
