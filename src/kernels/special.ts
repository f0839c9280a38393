/** @file scalar special functions accurate to a few ulps in float64: stable sigmoid, softplus, erf, erfc, gelu */

// √π and 2/√π rounded once from their exact values (Math.sqrt(Math.PI) is 1 ulp off, which alone
// would cost erfc an ulp); 2/√π − 1 lets erf add a small correction to x instead of scaling it.
const SQRT_PI = 1.772453850905516;
const TWO_OVER_SQRT_PI = 1.1283791670955126;
const TWO_OVER_SQRT_PI_MINUS_1 = 0.1283791670955126;
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

/** x² as hi + lo exactly (Dekker's split), so e^(−x²) = e^(−hi)·(1 − lo) keeps full precision. */
function splitSquare(x: number): [number, number] {
  const split = 134217729 * x; // 2^27 + 1
  const xh = split - (split - x);
  const xl = x - xh;
  const hi = x * x;
  return [hi, xh * xh - hi + 2 * xh * xl + xl * xl];
}

/**
 * erf(x) for |x| < 0.5 as x + x·R(x), R = 2/√π·(1 − x²/3 + x⁴/10 − …) − 1 ∈ [0.04, 0.13]: the
 * correction is small next to x, so its rounding hardly shows (≤ 1 ulp; 2/√π·x·Σ reached 5).
 */
function erfSmall(ax: number): number {
  const x2 = ax * ax;
  let term = 1;
  let sum = 0;
  for (let n = 1; n < 40; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-18) break;
  }
  return ax + ax * (TWO_OVER_SQRT_PI_MINUS_1 + TWO_OVER_SQRT_PI * sum);
}

/**
 * The error function, to a few ulps: its Taylor series for |x| < 0.5 (≤ 14 terms); 1 − erfc(|x|)
 * beyond, where erfc is small enough that the subtraction loses nothing. (The earlier positive
 * series e^(−x²)·Σ 2ⁿx^(2n+1)/(2n+1)!! reached 7 ulps near 2.5: its ~40 terms each add a rounding.)
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  if (ax < 1e-300) return TWO_OVER_SQRT_PI * x; // keeps the sign of −0
  const r = ax < 0.5 ? erfSmall(ax) : ax >= 6 ? 1 : 1 - erfcPositive(ax);
  return x < 0 ? -r : r;
}

/** The complementary error function 1 − erf(x), with full relative accuracy also where it is tiny. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return x;
  return x >= 0 ? erfcPositive(x) : 2 - erfcPositive(-x);
}

// erfc(c) and 2/√π·e^(−c²) at the centers c = 0.5 + k/8 (k = 0…20), each the double nearest the
// value computed with decimal.js at 80 digits (Taylor series of erf).
const ERFC_CENTERS: readonly (readonly [number, number])[] = [
  [0.4795001221869535, 0.8787825789354448],
  [0.376759117811582, 0.7634995357606049],
  [0.28884436634648486, 0.6429310691952074],
  [0.21592493894014034, 0.5247450452901482],
  [0.15729920705028513, 0.4151074974205947],
  [0.11161176829829224, 0.3182739585007693],
  [0.07709987174354177, 0.2365211224472908],
  [0.051829927217909674, 0.1703597736875156],
  [0.033894853524689274, 0.11893028922362937],
  [0.021556266760016336, 0.08047225902251116],
  [0.013328328780817557, 0.05277499593015037],
  [0.00800994232988003, 0.03354582842421607],
  [0.004677734981047266, 0.020666985354092053],
  [0.0026540293594823415, 0.012340820614333696],
  [0.0014627165866811518, 0.007142319022017983],
  [0.0007829382178911192, 0.004006477861670219],
  [0.0004069520174449589, 0.0021782842303527095],
  [0.00020537573614121745, 0.001147875125882675],
  [0.00010062192211963683, 0.0005862772470937923],
  [0.00004785483974377341, 0.00029022828286249803],
  [0.00002209049699858544, 0.00013925305194674786],
];

/**
 * Taylor coefficients about each center: erfc(c + h) = erfc(c) − 2/√π·e^(−c²)·Σₙ aₙhⁿ with
 * aₙ = (−1)ⁿ⁻¹·Hₙ₋₁(c)/n! (Hermite polynomials, since dⁿ/dzⁿ e^(−z²) = (−1)ⁿHₙ(z)e^(−z²)).
 * With |h| ≤ 1/16, 18 terms are exact to far below an ulp.
 */
const ERFC_TAYLOR: readonly Float64Array[] = ERFC_CENTERS.map((_, k) => {
  const c = 0.5 + k / 8;
  const a = new Float64Array(18);
  let hPrev = 0; // H₋₁ (unused: 2n·H_{n−1} vanishes at n = 0)
  let h = 1; // H₀
  let factorial = 1;
  for (let n = 1; n <= a.length; n++) {
    factorial *= n;
    a[n - 1] = ((n % 2 === 1 ? 1 : -1) * h) / factorial;
    const next = 2 * c * h - 2 * (n - 1) * hPrev; // H_n = 2c·H_{n−1} − 2(n−1)·H_{n−2}
    hPrev = h;
    h = next;
  }
  return a;
});

/**
 * erfc(x) for x ≥ 0: 1 − erf below 0.5 (erfc ≥ 0.48 there, so nothing cancels); a Taylor
 * expansion about the nearest tabulated center on [0.5, 2.94); the continued fraction beyond, where
 * ≤ 40 terms suffice. The tail keeps full relative accuracy down to underflow (x ≈ 27).
 */
function erfcPositive(x: number): number {
  if (x < 0.5) return 1 - erfSmall(x);
  if (x >= ERFC_LARGE) return x === Infinity ? 0 : erfcLarge(x);
  const k = Math.round((x - 0.5) * 8);
  const h = x - (0.5 + k / 8); // exact (Sterbenz)
  const a = ERFC_TAYLOR[k]!;
  const [value, slope] = ERFC_CENTERS[k]!;
  let s = 0;
  for (let n = a.length - 1; n >= 0; n--) s = (s + a[n]!) * h;
  return value - slope * s;
}

/** Where erfc switches from the tabulated Taylor expansions to the continued fraction. */
const ERFC_LARGE = 3 - 1 / 16;

/**
 * The continued fraction x + (1/2)/(x + 1/(x + (3/2)/(x + …))) = e^(−x²)/(√π·erfc x) for x ≥ 2.9,
 * evaluated bottom-up from a fixed depth (12 + 80/x terms: converged below 1e-17 there), which damps
 * rounding errors; the top-down Lentz product accumulated one rounding per step (9 ulps).
 */
function erfcFraction(x: number): number {
  let f = x;
  for (let n = 12 + Math.ceil(80 / x); n >= 1; n--) f = x + n / 2 / f;
  return f;
}

/** erfc(x) for x ≥ 2.9: e^(−x²)/(√π·f), the exponential last so a subnormal result rounds once. */
function erfcLarge(x: number): number {
  const [hi, lo] = splitSquare(x);
  const a = 1 / (SQRT_PI * erfcFraction(x));
  return (a - a * lo) * Math.exp(-hi);
}

/** 1/√2 − SQRT_HALF: the part of 1/√2 a double cannot hold (from decimal.js at 60 digits). */
const SQRT_HALF_LO = -4.833646656726457e-17;

/**
 * GELU, exact form x·Φ(x) = x/2·erfc(−x/√2). erfc, not 1 + erf, so x ≪ 0 keeps its digits; and the
 * rounding of z = −x/√2 is corrected to first order, erfc(z + δ) ≈ erfc(z) − 2/√π·e^(−z²)·δ, since
 * erfc's relative sensitivity 2z² would otherwise cost hundreds of ulps near underflow (x ≈ −38).
 */
export function gelu(x: number): number {
  if (!Number.isFinite(x)) return x === -Infinity ? 0 : x;
  const z = -x * SQRT_HALF;
  const delta = -(twoProductError(x, SQRT_HALF) + x * SQRT_HALF_LO); // exact −x/√2 = z + delta
  if (z < ERFC_LARGE) return 0.5 * x * (erfc(z) - TWO_OVER_SQRT_PI * Math.exp(-z * z) * delta);
  // here erfc(z) = e^(−z²)/(√π·f), so the correction is the factor (1 − 2fδ); multiplying by the
  // exponential last keeps a subnormal result (x < −37.5) to one rounding
  const f = erfcFraction(z);
  const [hi, lo] = splitSquare(z);
  const b = (0.5 * x) / (SQRT_PI * f);
  const a = b - b * (2 * f * delta);
  return (a - a * lo) * Math.exp(-hi);
}

/** The rounding error of a·b: a·b − fl(a·b), exactly (Dekker's two-product, no FMA needed). */
function twoProductError(a: number, b: number): number {
  const p = a * b;
  if (!Number.isFinite(p) || Math.abs(a) > 1e300) return 0;
  const sa = 134217729 * a; // 2^27 + 1
  const ah = sa - (sa - a);
  const al = a - ah;
  const sb = 134217729 * b;
  const bh = sb - (sb - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** GELU, tanh approximation x/2·(1 + tanh(√(2/π)(x + 0.044715x³))) as in PyTorch's approximate="tanh". */
export function geluTanh(x: number): number {
  // ½x(1 + tanh u) = x·σ(2u): the sigmoid form does not cancel for x ≪ 0, and is 0 (not NaN) at −∞
  if (x === -Infinity) return -0;
  return x * sigmoid(2 * SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x));
}

/** Constants the autodiff rules for GELU need. */
export const geluConstants = { SQRT_HALF, SQRT_2_OVER_PI, GELU_CUBIC, TWO_OVER_SQRT_PI } as const;
