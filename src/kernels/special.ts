/** @file scalar special functions accurate to a few ulps in float64: stable sigmoid, softplus, erf, gelu */

const SQRT_PI = Math.sqrt(Math.PI);
const TWO_OVER_SQRT_PI = 2 / SQRT_PI;
const SQRT_HALF = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_CUBIC = 0.044715;

/** Logistic sigmoid 1/(1+e⁻ˣ), computed so neither branch overflows or cancels. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** softplus(x) = log(1+eˣ) = max(x,0) + log1p(e^−|x|): never overflows, exact for large |x|. */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** Splits x² into hi + lo exactly (Dekker), so exp(−x²) keeps full precision for |x| up to 6. */
function expMinusSquare(x: number): number {
  const split = 134217729 * x; // 2^27 + 1
  const xh = split - (split - x);
  const xl = x - xh;
  const hi = x * x;
  const lo = xh * xh - hi + 2 * xh * xl + xl * xl;
  return Math.exp(-hi) * (1 - lo);
}

/**
 * The error function. For |x| < 2.5 it sums erf(x) = 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(2n+1)!!, a series of
 * positive terms (no cancellation, unlike the Taylor series); beyond, 1 − erfc(x) with erfc from its
 * continued fraction (modified Lentz), which converges fast there. Both give a few ulps.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    if (ax < 1e-300) return TWO_OVER_SQRT_PI * x;
    const twoX2 = 2 * ax * ax;
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= twoX2 / (2 * n + 1);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    const r = TWO_OVER_SQRT_PI * expMinusSquare(ax) * sum;
    return x < 0 ? -r : r;
  }
  const r = ax >= 6 ? 1 : 1 - erfcLarge(ax);
  return x < 0 ? -r : r;
}

/** erfc(x) for x ≥ 2.5: e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), by modified Lentz. */
function erfcLarge(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 300; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? tiny : 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return expMinusSquare(x) / (SQRT_PI * f);
}

/** Standard normal density φ(x). */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/** GELU, exact form x·Φ(x) = x/2·(1 + erf(x/√2)). */
export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x * SQRT_HALF));
}

/** GELU, tanh approximation x/2·(1 + tanh(√(2/π)(x + 0.044715x³))) as in PyTorch's approximate="tanh". */
export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x)));
}

/** Constants the autodiff rules for GELU need. */
export const geluConstants = { SQRT_HALF, SQRT_2_OVER_PI, GELU_CUBIC, TWO_OVER_SQRT_PI } as const;
