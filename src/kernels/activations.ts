/** @file the activation table: per activation its code, f, f′, f″ in float64 (the reference every backend is tested against), whether f″ ≡ 0, and its portable epilogue loop */
import type { TypedArray } from "./ndarray.js";
import { geluConstants, geluTanh, gelu as geluScalar, sigmoid, softplus, erfc } from "./special.js";

const { SQRT_HALF, SQRT_2_OVER_PI, GELU_CUBIC } = geluConstants;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
/** PyTorch's default negative slope of leaky_relu. */
export const LEAKY_SLOPE = 0.01;

/** Activation names as written in model files' `activations` metadata. */
export const ACTIVATIONS = ["relu", "sigmoid", "tanh", "softplus", "gelu", "gelu_tanh", "leaky_relu", "linear"] as const;

/** One of ACTIVATIONS. */
export type ActivationName = (typeof ACTIVATIONS)[number];

/**
 * The layer epilogue in TypeScript over n = rows·width elements: z = c + bias[column], then
 * c ← f(z), d1 ← f′(z) and, when given, d2 ← f″(z) (the portable backend's LayerSteps.activate).
 */
export type Epilogue = (c: TypedArray, bias: TypedArray, d1: TypedArray, d2: TypedArray | null, n: number, width: number) => void;

/** One activation: the code backends take, f, f′, f″ as scalar float64 references, and its epilogue loop. */
export interface ActivationReference {
  /** What the layer-step hooks take instead of the name (native/src/gemm.h ActivationKind uses the same numbers). */
  readonly code: number;
  /** f″ ≡ 0, so second-order passes skip the f″ term of such a layer. */
  readonly piecewiseLinear: boolean;
  readonly f: (z: number) => number;
  readonly df: (z: number) => number;
  readonly d2f: (z: number) => number;
  /**
   * f, f′, f″ in one pass and one exp per element, computed in float64 and rounded once: the
   * forward pass leaves what the backward and R-passes need. Slopes use σ(z)·σ(−z), never 1 − σ²
   * (which cancels where units saturate), as the autodiff rules do.
   */
  readonly epilogue: Epilogue;
}

/** σ(z)σ(−z) = σ′(z), with both factors computed directly (1 − σ would cancel where σ → 1). */
const logisticSlope = (z: number): number => sigmoid(z) * sigmoid(-z);
/** Φ(z) = erfc(−z/√2)/2, without the cancellation of 1 + erf for z ≪ 0. */
const normalCdf = (z: number): number => 0.5 * erfc(-z * SQRT_HALF);
const normalDensity = (z: number): number => Math.exp(-0.5 * z * z) * INV_SQRT_2PI;
/** sech z = 2e/(1 + e²) with e = e^(−|z|): no overflow of cosh for large |z|. */
const sech = (z: number): number => {
  const e = Math.exp(-Math.abs(z));
  return (2 * e) / (1 + e * e);
};
// gelu_tanh = z·σ(w) with w = 2√(2/π)(z + k z³): f′ = σ + zσ′w′, f″ = σ′(2w′ + z w″) + zσ″w′²
const tanhArgument = (z: number): number => 2 * SQRT_2_OVER_PI * (z + GELU_CUBIC * z * z * z);
const tanhArgumentSlope = (z: number): number => 2 * SQRT_2_OVER_PI * (1 + 3 * GELU_CUBIC * z * z);
/** σ″(w) = σ′(w)(1 − 2σ(w)) = −σ′(w)·tanh(w/2), which keeps its digits near w = 0. */
const logisticCurvature = (w: number): number => -logisticSlope(w) * Math.tanh(w / 2);

/**
 * Every activation a dense layer may use, PyTorch's conventions at the kinks (relu′(0) = 0,
 * leaky_relu′(0) = 0.01). NaN in gives NaN out, except where a derivative is a constant (linear's
 * f′ = 1, and f″ = 0 of the piecewise-linear ones). Adding an activation: one entry here and its
 * Tensor form in nn/activations.ts; backends that do not accelerate it run its epilogue, and the
 * tests check it on every backend. (One function per activation keeps each loop monomorphic.)
 */
export const ACTIVATION_TABLE = {
  relu: {
    code: 1,
    piecewiseLinear: true,
    f: (z) => (z > 0 ? z : z <= 0 ? 0 : z),
    df: (z) => (z > 0 ? 1 : z <= 0 ? 0 : z),
    d2f: () => 0,
    epilogue: (c, bias, d1, d2, n, width) => {
      for (let i = 0, j = 0; i < n; i++, j = j + 1 === width ? 0 : j + 1) {
        const z = c[i]! + bias[j]!;
        // relu'(0) = 0 as in PyTorch; NaN stays NaN in both value and slope
        c[i] = z > 0 ? z : z <= 0 ? 0 : z;
        d1[i] = z > 0 ? 1 : z <= 0 ? 0 : z;
      }
      if (d2 !== null) d2.fill(0, 0, n);
    },
  },
  sigmoid: {
    code: 3,
    piecewiseLinear: false,
    f: sigmoid,
    df: logisticSlope,
    d2f: logisticCurvature,
    epilogue: (c, bias, d1, d2, n, width) => {
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
  },
  tanh: {
    code: 4,
    piecewiseLinear: false,
    f: Math.tanh,
    df: (z) => sech(z) ** 2,
    d2f: (z) => -2 * Math.tanh(z) * sech(z) ** 2,
    epilogue: (c, bias, d1, d2, n, width) => {
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
  },
  softplus: {
    code: 5,
    piecewiseLinear: false,
    f: softplus,
    df: sigmoid,
    d2f: logisticSlope,
    epilogue: (c, bias, d1, d2, n, width) => {
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
  },
  gelu: {
    code: 6,
    piecewiseLinear: false,
    f: geluScalar,
    df: (z) => normalCdf(z) + z * normalDensity(z),
    d2f: (z) => normalDensity(z) * (2 - z * z),
    epilogue: (c, bias, d1, d2, n, width) => {
      for (let i = 0, j = 0; i < n; i++, j = j + 1 === width ? 0 : j + 1) {
        const z = c[i]! + bias[j]!;
        const cdf = 0.5 * erfc(-z * SQRT_HALF); // Φ(z) without the cancellation of 1 + erf
        const pdf = Math.exp(-0.5 * z * z) * INV_SQRT_2PI;
        c[i] = z * cdf;
        d1[i] = cdf + z * pdf;
        if (d2 !== null) d2[i] = pdf * (2 - z * z);
      }
    },
  },
  gelu_tanh: {
    code: 7,
    piecewiseLinear: false,
    f: geluTanh,
    df: (z) => sigmoid(tanhArgument(z)) + z * logisticSlope(tanhArgument(z)) * tanhArgumentSlope(z),
    d2f: (z) => {
      const [w, dw, ddw] = [tanhArgument(z), tanhArgumentSlope(z), 2 * SQRT_2_OVER_PI * 6 * GELU_CUBIC * z];
      return logisticSlope(w) * (2 * dw + z * ddw) + z * logisticCurvature(w) * dw * dw;
    },
    epilogue: (c, bias, d1, d2, n, width) => {
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
  },
  leaky_relu: {
    code: 2,
    piecewiseLinear: true,
    f: (z) => (z < 0 ? LEAKY_SLOPE * z : z),
    df: (z) => (z > 0 ? 1 : z <= 0 ? LEAKY_SLOPE : z),
    d2f: () => 0,
    epilogue: (c, bias, d1, d2, n, width) => {
      for (let i = 0, j = 0; i < n; i++, j = j + 1 === width ? 0 : j + 1) {
        const z = c[i]! + bias[j]!;
        c[i] = z < 0 ? LEAKY_SLOPE * z : z;
        d1[i] = z > 0 ? 1 : z <= 0 ? LEAKY_SLOPE : z;
      }
      if (d2 !== null) d2.fill(0, 0, n);
    },
  },
  linear: {
    code: 0,
    piecewiseLinear: true,
    f: (z) => z,
    df: () => 1,
    d2f: () => 0,
    epilogue: (c, bias, d1, d2, n, width) => {
      for (let i = 0, j = 0; i < n; i++, j = j + 1 === width ? 0 : j + 1) {
        c[i] = c[i]! + bias[j]!;
        d1[i] = 1;
      }
      if (d2 !== null) d2.fill(0, 0, n);
    },
  },
} as const satisfies Record<ActivationName, ActivationReference>;

/** The number a backend's layer steps take for an activation. */
export type ActivationCode = (typeof ACTIVATION_TABLE)[ActivationName]["code"];

/** The code of a named activation. */
export function activationCode(name: ActivationName): ActivationCode {
  return ACTIVATION_TABLE[name].code;
}

/** Whether f″ ≡ 0 (so the Hessian pass can skip the second-derivative term of a layer). */
export function isPiecewiseLinear(name: ActivationName): boolean {
  return ACTIVATION_TABLE[name].piecewiseLinear;
}

/** The table's entries by code (codes are 0 … n−1, checked by the activation tests). */
const BY_CODE: readonly ActivationReference[] = ACTIVATIONS.map((name) => ACTIVATION_TABLE[name]).sort((a, b) => a.code - b.code);

/** The table entry of an activation code. */
export function activationByCode(code: ActivationCode): ActivationReference {
  return BY_CODE[code]!;
}
