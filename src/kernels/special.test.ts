/** @file float64 accuracy of the transcendental kernels, in ulps, against decimal.js at 40+ digits */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Decimal } from "decimal.js";
import * as e from "./elementwise.js";
import { ndarray, type NDArray } from "./ndarray.js";
import { Rng } from "./random.js";
import * as special from "./special.js";

// A private Decimal constructor: 50 significant digits is ~10²⁰× finer than a float64 ulp, so the
// reference rounded to double is the correctly rounded result (functions that cancel raise it below).
const D = Decimal.clone({ precision: 50, toExpNeg: -9e15, toExpPos: 9e15, minE: -9e15, maxE: 9e15 });
type Dec = Decimal;

/** The exact value of a double (toPrecision rounds the exact binary value, not its shortest form). */
const dec = (x: number): Dec => new D(x === 0 ? "0" : x.toPrecision(60));

/** Distance in ulps between two doubles: steps between them in the ordered set of doubles. */
function ulps(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return 0;
  return Math.abs(Number(orderedBits(a) - orderedBits(b)));
}
function orderedBits(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigInt64(0);
  return bits < 0n ? -(bits & 0x7fffffffffffffffn) : bits;
}

// ---- high-precision references -------------------------------------------------------------------

/** log(1 + x) for a Decimal x: the series where 1 + x would lose x's digits, ln otherwise. */
function log1pDec(x: Dec): Dec {
  if (x.abs().lt(1e-12)) {
    let s = new D(0);
    let p = new D(1);
    for (let n = 1; n <= 6; n++) {
      p = p.mul(x);
      s = n % 2 === 1 ? s.add(p.div(n)) : s.sub(p.div(n));
    }
    return s;
  }
  return D.ln(x.add(1));
}

/**
 * erf(z) by its Taylor series 2/√π·Σ (−1)ⁿ z^(2n+1)/(n!(2n+1)). The terms grow to ~e^(z²) before they
 * cancel, so the working precision is raised by z²·log₁₀e digits, plus what 1 − erf needs.
 */
function erfDec(z: Dec, extraDigits = 0): Dec {
  const z2 = z.mul(z).toNumber();
  const Dp = D.clone({ precision: 50 + Math.ceil(z2 * 0.4343) + extraDigits });
  const x = new Dp(z);
  const x2 = x.mul(x);
  let term = x;
  let sum = x;
  for (let n = 1; ; n++) {
    term = term.mul(x2).neg().div(n);
    const add = term.div(2 * n + 1);
    sum = sum.add(add);
    if (add.isZero() || add.abs().lt(sum.abs().mul(new Dp(10).pow(-(Dp.precision + 2))))) break;
  }
  const pi = Dp.acos(-1);
  return new D(sum.mul(2).div(pi.sqrt()));
}

/**
 * erfc(z): 1 − erf(z) (Taylor) for z < 3; for z ≥ 3 the continued fraction e^(−z²)/√π ·
 * 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + …)))) evaluated bottom-up from depth 800 — checked against
 * depth 400 so a truncated fraction cannot pass as a reference.
 */
function erfcDec(z: Dec): Dec {
  if (z.lt(3)) {
    const extra = z.gt(0) ? Math.ceil(z.mul(z).toNumber() * 0.4343) + 5 : 0;
    const Dp = D.clone({ precision: 50 + extra });
    return new D(new Dp(1).sub(new Dp(erfDec(z, extra))));
  }
  const fraction = (depth: number): Dec => {
    let f = z;
    for (let n = depth; n >= 1; n--) f = z.add(new D(n).div(2).div(f));
    return f;
  };
  const [f1, f2] = [fraction(400), fraction(800)];
  assert.ok(f1.sub(f2).abs().div(f2).lt(1e-40), `erfc reference: continued fraction not converged at ${z.toString()}`);
  return D.exp(z.mul(z).neg()).div(D.acos(-1).sqrt().mul(f2));
}

const SQRT2 = new D(2).sqrt();
const REFERENCES: Record<string, { kernel: (x: number) => number; reference: (x: Dec) => Dec; points: number[] }> = {
  exp: { kernel: Math.exp, reference: (x) => D.exp(x), points: [] },
  log: { kernel: Math.log, reference: (x) => D.ln(x), points: [] },
  tanh: { kernel: Math.tanh, reference: (x) => D.tanh(x), points: [] },
  log1p: { kernel: Math.log1p, reference: log1pDec, points: [] },
  sigmoid: { kernel: special.sigmoid, reference: (x) => new D(1).div(D.exp(x.neg()).add(1)), points: [] },
  // log(1 + eˣ) = max(x, 0) + log1p(e^(−|x|)), so no digits are lost for large |x|
  softplus: {
    kernel: special.softplus,
    reference: (x) => (x.gt(0) ? x : new D(0)).add(log1pDec(D.exp(x.abs().neg()))),
    points: [],
  },
  erf: { kernel: special.erf, reference: (x) => erfDec(x), points: [] },
  erfc: { kernel: special.erfc, reference: erfcDec, points: [] },
  // x·Φ(x) = x/2·erfc(−x/√2): erfc keeps the relative accuracy where Φ is tiny (x ≪ 0)
  gelu: { kernel: special.gelu, reference: (x) => x.div(2).mul(erfcDec(x.neg().div(SQRT2))), points: [] },
};

// ---- inputs: tiny, moderate (seeded), large ---------------------------------------------------

const rng = new Rng(7);
const tiny = [5e-324, 1e-310, 1e-300, 1e-200, 1e-100, 1e-20, 1e-16, 3e-9, 1e-8, 1e-5, 1e-3, 0.01];
const signed = (xs: number[]): number[] => xs.flatMap((x) => [x, -x]);
const uniform = (n: number, lo: number, hi: number): number[] => Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
const logUniform = (n: number, lo: number, hi: number): number[] => uniform(n, Math.log(lo), Math.log(hi)).map(Math.exp);

REFERENCES.exp!.points = [...signed(tiny), ...uniform(150, -40, 40), ...uniform(30, -745, 709), -745, -708.5, 700, 709.7];
REFERENCES.log!.points = [...tiny, ...logUniform(150, 1e-300, 1e300), ...uniform(50, 0.5, 2), 1 - 2 ** -53, 1 + 2 ** -52, 1.7e308];
REFERENCES.tanh!.points = [...signed(tiny), ...uniform(150, -6, 6), ...signed([0.5, 0.55, 1, 10, 19, 22, 30, 100])];
REFERENCES.log1p!.points = [...signed(tiny), ...uniform(100, -0.99, 3), ...logUniform(50, 1e-15, 1e300), -0.999999, 1e308];
REFERENCES.sigmoid!.points = [...signed(tiny), ...uniform(150, -40, 40), ...signed([50, 100, 300, 700, 740])];
REFERENCES.softplus!.points = [...signed(tiny), ...uniform(150, -40, 40), ...signed([50, 100, 300, 700, 740]), 1e300, -1e300];
REFERENCES.erf!.points = [...signed(tiny), ...uniform(200, -6.5, 6.5), ...signed([0.5, 0.8, 1, 2.4999, 2.5, 3, 5.9, 6, 7, 30])];
REFERENCES.erfc!.points = [...signed(tiny), ...uniform(200, -6, 27), ...uniform(40, 0.45, 3.05), 0.5, 2.9375, 3, 26.5, 27.2];
REFERENCES.gelu!.points = [...signed(tiny), ...uniform(150, -10, 10), ...uniform(20, -37, -10), ...signed([0.5, 1, 3.5, 3.6, 5, 8.5, 12, 20, 30])];

// ---- the tests ---------------------------------------------------------------------------------

// "A few ulps": every function here is ≤ 4 ulps from the correctly rounded value at every point.
const MAX_ULPS = 4;
const summary: { fn: string; points: number; worstUlps: number; at: number }[] = [];

describe("special functions in float64: ulps from the correctly rounded value (decimal.js reference)", () => {
  for (const [name, r] of Object.entries(REFERENCES)) {
    test(`${name} over ${r.points.length} points (tiny, moderate, large |x|; seed 7)`, () => {
      let worst = 0;
      let at = NaN;
      for (const x of r.points) {
        const want = r.reference(dec(x)).toNumber();
        const got = r.kernel(x);
        const d = ulps(got, want);
        if (d > worst || Number.isNaN(at)) [worst, at] = [d, x];
        assert.ok(d <= MAX_ULPS, `${name}(${x}) = ${got}, correctly rounded ${want}: ${d} ulps`);
      }
      summary.push({ fn: name, points: r.points.length, worstUlps: worst, at });
    });
  }

  test("the array kernels apply the same scalar functions", () => {
    const xs = Float64Array.from([-3, -0.5, 0, 1e-9, 2, 40]);
    const a = ndarray(xs, [6]);
    const pairs: [(a: NDArray) => NDArray, (x: number) => number][] = [
      [e.exp, Math.exp],
      [e.tanh, Math.tanh],
      [e.sigmoid, special.sigmoid],
      [e.softplus, special.softplus],
      [e.erf, special.erf],
      [e.gelu, special.gelu],
    ];
    for (const [kernel, scalar] of pairs) assert.deepEqual(Array.from(kernel(a).data), Array.from(xs, scalar));
  });

  test("special values: NaN stays NaN, ±∞ and signed zeros land where they should", () => {
    for (const f of [special.sigmoid, special.softplus, special.erf, special.gelu, special.geluTanh]) assert.ok(Number.isNaN(f(NaN)));
    assert.equal(special.sigmoid(Infinity), 1);
    assert.equal(special.sigmoid(-Infinity), 0);
    assert.equal(special.softplus(Infinity), Infinity);
    assert.equal(special.softplus(-Infinity), 0);
    assert.equal(special.erf(Infinity), 1);
    assert.equal(special.erf(-Infinity), -1);
    assert.ok(Object.is(special.erf(-0), -0));
    assert.equal(special.gelu(Infinity), Infinity);
    assert.ok(Object.is(special.gelu(-Infinity), -0) || special.gelu(-Infinity) === 0);
  });

  test("the ulp measure itself", () => {
    assert.equal(ulps(1, 1 + 2 ** -52), 1);
    assert.equal(ulps(-0, 0), 0);
    assert.equal(ulps(5e-324, -5e-324), 2);
    assert.equal(ulps(1, 1 - 2 ** -53), 1);
  });

  after(() => console.table(summary));
});
