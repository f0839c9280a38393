/** @file the transformations against closed forms: Hessians, hvp, nested second and third derivatives, errors, NaN, float32 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import * as k from "../kernels/index.js";
import { grad, hessian, hvp, jacobian, jvp, valueAndGrad, vjp } from "./api.js";
import { concat, fill, tensor } from "./creation.js";
import type { Tensor } from "./tensor.js";
import { dot, maxElementwiseError, randomTensor, relativeError } from "./testing.js";

/** Row-major n×n matrix product M·v for a flat matrix. */
function matVec(m: ArrayLike<number>, v: ArrayLike<number>): number[] {
  const n = v.length;
  return Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let j = 0; j < n; j++) s += m[i * n + j]! * v[j]!;
    return s;
  });
}

/** max |H − Hᵀ| / max |H| for a flat n×n matrix. */
function asymmetry(h: ArrayLike<number>, n: number): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      d = Math.max(d, Math.abs(h[i * n + j]! - h[j * n + i]!));
      s = Math.max(s, Math.abs(h[i * n + j]!));
    }
  }
  return d / s;
}

const vec = (xs: readonly number[]): Tensor => tensor([...xs]);
const sig = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

// Hessians are built by jacobian(grad f) from rules that only multiply and add exact formulas, so
// they agree with the closed forms to rounding: 1e-13 relative (norm-wise over the whole matrix).
const HESSIAN_TOLERANCE = 1e-13;

describe("hessian of small compositions = the analytic Hessian", () => {
  const rng = new k.Rng(20);
  const n = 4;
  const a = randomTensor(rng, [n], "float64", 0.5);
  const b = randomTensor(rng, [n], "float64", 0.5);
  const x = randomTensor(rng, [n]);
  const A = randomTensor(rng, [n, n]);
  const W = randomTensor(rng, [3, n], "float64", 0.7);

  const cases: { name: string; f: (x: Tensor) => Tensor; analytic: () => number[] }[] = [
    {
      // f = e^(a·x)·tanh(b·x):  H = E·T·aaᵀ + E·T′·(abᵀ + baᵀ) + E·T″·bbᵀ
      name: "exp(a·x)·tanh(b·x) [seed 20]",
      f: (v) => v.mul(a).sum().exp().mul(v.mul(b).sum().tanh()),
      analytic: () => {
        const E = Math.exp(dot(a, x));
        const T = Math.tanh(dot(b, x));
        const T1 = 1 - T * T;
        const T2 = -2 * T * T1;
        const [av, bv] = [a.toArray(), b.toArray()];
        return Array.from({ length: n * n }, (_, ij) => {
          const i = Math.floor(ij / n);
          const j = ij % n;
          return E * (T * av[i]! * av[j]! + T1 * (av[i]! * bv[j]! + bv[i]! * av[j]!) + T2 * bv[i]! * bv[j]!);
        });
      },
    },
    {
      name: "xᵀAx → A + Aᵀ [seed 20]",
      f: (v) => v.reshape([1, n]).matmul(A).matmul(v.reshape([n, 1])).sum(),
      analytic: () => {
        const m = A.toArray();
        return Array.from({ length: n * n }, (_, ij) => m[ij]! + m[(ij % n) * n + Math.floor(ij / n)]!);
      },
    },
    {
      name: "logSumExp → diag(p) − ppᵀ [seed 20]",
      f: (v) => v.logSumExp(),
      analytic: () => {
        const e = x.toArray().map(Math.exp);
        const z = e.reduce((s, v) => s + v, 0);
        const p = e.map((v) => v / z);
        return Array.from({ length: n * n }, (_, ij) => {
          const i = Math.floor(ij / n);
          const j = ij % n;
          return (i === j ? p[i]! : 0) - p[i]! * p[j]!;
        });
      },
    },
    {
      // f = Σ tanh(Wx)²: with h = tanh(Wx), H = Wᵀ·diag((2 − 6h²)(1 − h²))·W
      name: "Σ tanh(Wx)² → Wᵀ diag((2−6h²)(1−h²)) W [seed 20]",
      f: (v) => W.matmul(v.reshape([n, 1])).tanh().square().sum(),
      analytic: () => {
        const w = W.toArray();
        const h = [0, 1, 2].map((r) => Math.tanh(dot(w.slice(r * n, r * n + n), x)));
        const d = h.map((t) => (2 - 6 * t * t) * (1 - t * t));
        return Array.from({ length: n * n }, (_, ij) => {
          const i = Math.floor(ij / n);
          const j = ij % n;
          return d.reduce((s, dr, r) => s + w[r * n + i]! * dr * w[r * n + j]!, 0);
        });
      },
    },
    {
      // softmax cross-entropy with a probability target y (Σy = 1) has the logSumExp Hessian
      name: "−Σ y·logSoftmax(x) → diag(p) − ppᵀ [seed 20]",
      f: (v) => v.logSoftmax().mul(vec([0.1, 0.2, 0.3, 0.4])).sum().neg(),
      analytic: () => hessian((v) => v.logSumExp())(x).toArray(),
    },
  ];

  for (const c of cases) {
    test(c.name, () => {
      const H = hessian(c.f)(x);
      assert.deepEqual(H.shape, [n, n]);
      const expected = c.analytic();
      assert.ok(relativeError(H, expected) <= HESSIAN_TOLERANCE, `‖H − analytic‖/‖H‖ = ${relativeError(H, expected)}`);
      // symmetric to rounding (each entry is a separate jvp of ∇f; no symmetrization happens)
      assert.ok(asymmetry(H.toArray(), n) <= 1e-14, `asymmetry ${asymmetry(H.toArray(), n)}`);
      // hvp(f, x, v) = H·v (forward-over-reverse without forming H)
      const v = randomTensor(new k.Rng(21), [n]);
      const hv = hvp(c.f, x, v);
      assert.ok(relativeError(hv, matVec(H.toArray(), v.toArray())) <= HESSIAN_TOLERANCE);
    });
  }

  test("matrix-shaped inputs: hessian is shaped [...x.shape, ...x.shape] [seed 22]", () => {
    const X = randomTensor(new k.Rng(22), [2, 3]);
    // f(X) = ½‖X‖² + Σ X₀ⱼX₁ⱼ: H = I + the pairing of the two rows
    const H = hessian((m) => m.square().sum().mul(0.5).add(m.slice([0, 0], [1, 3]).mul(m.slice([1, 0], [1, 3])).sum()))(X);
    assert.deepEqual(H.shape, [2, 3, 2, 3]);
    const expected = Array.from({ length: 36 }, (_, ij) => {
      const i = Math.floor(ij / 6);
      const j = ij % 6;
      return (i === j ? 1 : 0) + (Math.abs(i - j) === 3 ? 1 : 0);
    });
    assert.deepEqual(H.toArray(), expected);
  });
});

// ---- second derivatives of scalar functions, both nestings ------------------------------------

/** Points from −30 to 30 (tails included: saturated units are where cancellation would show). */
const POINTS = Array.from({ length: 241 }, (_, i) => -30 + 0.25 * i + 0.0123);

interface ScalarCase {
  readonly name: string;
  readonly f: (x: Tensor) => Tensor;
  readonly d2: (x: number) => number;
  /**
   * The size of the terms whose sum is f″ (≥ |f″|): where f″ crosses zero, its relative error is
   * meaningless, so errors are measured against this scale instead.
   */
  readonly scale: (x: number) => number;
  readonly points?: readonly number[];
}

// The references use forms that are accurate in the tails: σ′ = σ(x)σ(−x), sech²x = 4σ(2x)σ(−2x).
const dsig = (x: number): number => sig(x) * sig(-x);
const sech2 = (x: number): number => 4 * sig(2 * x) * sig(-2 * x);
const phi = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
const C = Math.sqrt(2 / Math.PI);
const KC = 0.044715;

const SECOND: readonly ScalarCase[] = [
  { name: "sigmoid″ = σ′·(1 − 2σ) = −σ′·tanh(x/2)", f: (x) => x.sigmoid(), d2: (x) => -dsig(x) * Math.tanh(x / 2), scale: dsig },
  { name: "tanh″ = −2·tanh·sech²", f: (x) => x.tanh(), d2: (x) => -2 * Math.tanh(x) * sech2(x), scale: sech2 },
  { name: "exp″ = exp", f: (x) => x.exp(), d2: Math.exp, scale: Math.exp },
  { name: "softplus″ = σ′", f: (x) => x.softplus(), d2: dsig, scale: dsig },
  {
    name: "gelu″ = φ·(2 − x²)",
    f: (x) => x.gelu(),
    d2: (x) => phi(x) * (2 - x * x),
    scale: (x) => phi(x) * Math.max(2, x * x),
  },
  {
    // u = c(x + kx³), g = x(1 + tanh u)/2:  g″ = h′ + x·h″/2 with h′ = sech²u·u′, h″ = sech²u·(u″ − 2·tanh u·u′²)
    name: "gelu(tanh)″",
    f: (x) => x.gelu("tanh"),
    d2: (x) => {
      const u = C * (x + KC * x ** 3);
      const du = C * (1 + 3 * KC * x * x);
      const s = sech2(u);
      return s * du + (x * s * (6 * C * KC * x - 2 * Math.tanh(u) * du * du)) / 2;
    },
    scale: (x) => {
      const u = C * (x + KC * x ** 3);
      const du = C * (1 + 3 * KC * x * x);
      return sech2(u) * Math.max(du, Math.abs(x) * (6 * C * KC * Math.abs(x) + 2 * du * du));
    },
  },
];

// Nested derivatives of exact rules agree with the closed forms to a few ulps; 1e-12 is the bar.
const SECOND_TOLERANCE = 1e-12;

// Below ~1e-290 values (or the products that form them) are subnormal and carry fewer than 53 bits,
// so errors there are measured in absolute terms against this floor (gelu-tanh″ reaches 1e-318 at |x| ≈ 21).
const SUBNORMAL_FLOOR = 1e-290;

/** Worst scaled error seen per derivative and nesting, printed at the end for the issue note. */
const worstNested = new Map<string, number>();

function check(label: string, err: number): void {
  worstNested.set(label, Math.max(worstNested.get(label) ?? 0, err));
  assert.ok(err <= SECOND_TOLERANCE, `${label}: worst scaled error ${err}`);
}

function scaledErrors(got: ArrayLike<number>, c: { d2: (x: number) => number; scale: (x: number) => number }, xs: readonly number[]): number {
  let worst = 0;
  xs.forEach((x, i) => {
    const e = Math.abs(got[i]! - c.d2(x)) / Math.max(Math.abs(c.d2(x)), c.scale(x), SUBNORMAL_FLOOR);
    worst = Number.isNaN(e) ? NaN : Math.max(worst, e);
  });
  return worst;
}

describe("grad(grad f) = the known second derivative, in both nestings (float64)", () => {
  for (const c of SECOND) {
    const xs = c.points ?? POINTS;
    const x = vec(xs);
    const ones = fill([xs.length], 1);
    const df = grad((t: Tensor) => c.f(t).sum()); // elementwise f: ∇Σf = f′ at each point
    test(`${c.name}: forward-over-reverse (jvp of grad)`, () => {
      check(`${c.name}, fwd-over-rev`, scaledErrors(jvp(df, [x], [ones])[1].data(), c, xs));
    });
    test(`${c.name}: reverse-over-reverse (grad of grad)`, () => {
      check(`${c.name}, rev-over-rev`, scaledErrors(grad((t: Tensor) => df(t).sum())(x).data(), c, xs));
    });
    test(`${c.name}: scalar input, grad(grad f) composed as functions`, () => {
      const d2 = grad(grad((t: Tensor) => c.f(t).sum()));
      const got = [-7.5, -2.2, -0.3, 0.4, 1.7, 6.1].map((p) => d2(tensor(p)).item());
      check(`${c.name}, rev-over-rev`, scaledErrors(got, c, [-7.5, -2.2, -0.3, 0.4, 1.7, 6.1]));
    });
  }

  // third derivatives: σ‴ = σ′(1 − 6σ′), tanh‴ = −2·sech²·(1 − 3tanh²)
  const THIRD = [
    { name: "sigmoid‴", f: (x: Tensor) => x.sigmoid(), d2: (x: number) => dsig(x) * (1 - 6 * dsig(x)), scale: dsig },
    { name: "tanh‴", f: (x: Tensor) => x.tanh(), d2: (x: number) => -2 * sech2(x) * (1 - 3 * Math.tanh(x) ** 2), scale: (x: number) => 4 * sech2(x) },
  ];
  for (const c of THIRD) {
    const x = vec(POINTS);
    const ones = fill([POINTS.length], 1);
    const d1 = grad((t: Tensor) => c.f(t).sum());
    const d2rr = grad((t: Tensor) => d1(t).sum());
    test(`${c.name}: reverse-over-reverse-over-reverse`, () => {
      check(`${c.name}, rev-over-rev-over-rev`, scaledErrors(grad((t: Tensor) => d2rr(t).sum())(x).data(), c, POINTS));
    });
    test(`${c.name}: forward-over-forward-over-reverse`, () => {
      const d2fr = (t: Tensor): Tensor => jvp(d1, [t], [ones])[1];
      check(`${c.name}, fwd-over-fwd-over-rev`, scaledErrors(jvp(d2fr, [x], [ones])[1].data(), c, POINTS));
    });
    test(`${c.name}: forward-over-reverse-over-reverse`, () => {
      check(`${c.name}, fwd-over-rev-over-rev`, scaledErrors(jvp(d2rr, [x], [ones])[1].data(), c, POINTS));
    });
  }
});

after(() => console.table([...worstNested].map(([derivative, worst]) => ({ derivative, worst: worst.toExponential(2) }))));

// ---- jacobian, errors, NaN, float32, properties ------------------------------------------------

describe("jacobian", () => {
  const rng = new k.Rng(30);
  const W = randomTensor(rng, [5, 3]);
  const x = randomTensor(rng, [3]);
  const tall = (v: Tensor): Tensor => W.matmul(v.reshape([3, 1])).tanh().reshape([5]); // n=3 ≤ m=5: forward branch
  const wide = (v: Tensor): Tensor => W.tMatmul(v.reshape([5, 1])).sigmoid().reshape([3]); // n=5 > m=3: reverse branch

  /** The Jacobian assembled by the other mode, row by row (pullbacks) or column by column (jvps). */
  const byRows = (f: (v: Tensor) => Tensor, at: Tensor, m: number): number[] => {
    const { pullback } = vjp(f, [at]);
    return Array.from({ length: m }, (_, i) => pullback(vec(Array.from({ length: m }, (_, j) => (i === j ? 1 : 0))))[0]!.toArray()).flat();
  };
  const byColumns = (f: (v: Tensor) => Tensor, at: Tensor, n: number, m: number): number[] => {
    const cols = Array.from({ length: n }, (_, j) => jvp(f, [at], [vec(Array.from({ length: n }, (_, i) => (i === j ? 1 : 0)))])[1].toArray());
    return Array.from({ length: m * n }, (_, ij) => cols[ij % n]![Math.floor(ij / n)]!);
  };

  test("forward branch (n ≤ m) = reverse-mode rows [seed 30]", () => {
    const J = jacobian(tall)(x);
    assert.deepEqual(J.shape, [5, 3]);
    assert.ok(relativeError(J, byRows(tall, x, 5)) <= 1e-15);
  });
  test("reverse branch (n > m) = forward-mode columns [seed 30]", () => {
    const y = randomTensor(new k.Rng(31), [5]);
    const J = jacobian(wide)(y);
    assert.deepEqual(J.shape, [3, 5]);
    assert.ok(relativeError(J, byColumns(wide, y, 5, 3)) <= 1e-15);
  });
  test("a Jacobian is differentiable: jacobian(jacobian(f)) = hessian for scalar f [seed 30]", () => {
    const f = (v: Tensor): Tensor => v.exp().mul(v.sigmoid()).sum();
    const H1 = hessian(f)(x);
    const H2 = jacobian(jacobian(f))(x);
    assert.ok(relativeError(H1, H2) <= 1e-15);
  });
});

describe("errors are clear", () => {
  test("grad of a non-scalar function says so and shows the shape", () => {
    assert.throws(() => grad((x) => x.exp())(vec([1, 2, 3])), /grad: the function must return a scalar.*\[3\]/);
    assert.throws(() => valueAndGrad((x) => x.reshape([1, 3]))(vec([1, 2, 3])), /grad: .*scalar.*\[1, 3\]/);
  });

  const two3 = tensor([[1, 2, 3], [4, 5, 6]]);
  const cases: [string, () => unknown, RegExp][] = [
    ["add", () => two3.add(vec([1, 2])), /add: .*\[2, 3\].*\[2\]/],
    ["sub", () => two3.sub(vec([1, 2])), /sub: .*\[2, 3\].*\[2\]/],
    ["mul", () => two3.mul(tensor([[1], [2], [3]])), /mul: .*\[2, 3\].*\[3, 1\]/],
    ["div", () => two3.div(vec([1, 2, 3, 4])), /div: .*\[2, 3\].*\[4\]/],
    ["matmul", () => two3.matmul(two3), /matmul: .*\[2, 3\].*\[2, 3\]/],
    ["matmulT", () => two3.matmulT(tensor([[1, 2], [3, 4]])), /matmul.*: .*\[2, 3\].*\[2, 2\]/],
    ["tMatmul", () => two3.tMatmul(tensor([[1, 2], [3, 4], [5, 6]])), /matmul.*: .*\[2, 3\].*\[3, 2\]/],
    ["concat", () => concat([two3, vec([1, 2])], 0), /concat: .*\[2\].*\[2, 3\]/],
    ["broadcastTo", () => two3.broadcastTo([3, 3]), /broadcastTo: .*\[2, 3\].*\[3, 3\]/],
    ["where", () => two3.greater(0).where(vec([1, 2]), 0), /where: .*\[2, 3\].*\[2\]/],
    ["reshape", () => two3.reshape([4, 2]), /reshape: .*\[2, 3\].*\[4, 2\]/],
    ["jvp tangent", () => jvp((x) => x, [two3], [vec([1, 2])]), /jvp: .*\[2\].*\[2, 3\]/],
    ["vjp cotangent", () => vjp((x) => x, [two3]).pullback(vec([1])), /vjp: .*\[1\].*\[2, 3\]/],
  ];
  for (const [op, thunk, pattern] of cases) {
    test(`${op}: a shape mismatch names the op and both shapes`, () => assert.throws(thunk, pattern));
  }
});

describe("NaN propagates through values and gradients (never silently zeroed)", () => {
  const x = vec([1.5, NaN, -0.5]);
  const nanAt1 = (t: Tensor, what: string): void => {
    const a = t.toArray();
    assert.ok(Number.isNaN(a[1]!), `${what}: NaN input must give NaN, got ${a[1]}`);
  };
  // `curved`: the second derivative depends on x, so the hvp must be NaN too. For the piecewise
  // ones the NaN reaches value and gradient through the NaN mask (greater(NaN, 0) = NaN); their
  // second derivative is the derivative of a mask — a symbolic zero, as in JAX — so it stays finite.
  const cases: [string, (t: Tensor) => Tensor, boolean][] = [
    ["relu", (t) => t.relu(), false],
    ["leakyRelu", (t) => t.leakyRelu(), false],
    ["sigmoid", (t) => t.sigmoid(), true],
    ["tanh", (t) => t.tanh(), true],
    ["softplus", (t) => t.softplus(), true],
    ["gelu", (t) => t.gelu(), true],
    ["gelu tanh", (t) => t.gelu("tanh"), true],
    ["erf", (t) => t.erf(), true],
    ["where(x > 0, x², 0)", (t) => t.greater(0).where(t.square(), 0), false],
    ["where(x > 0, x³, 0)", (t) => t.greater(0).where(t.pow(3), 0), true],
    ["x ⊙ sign(x)", (t) => t.mul(t.sign()), false],
  ];
  for (const [name, f, curved] of cases) {
    test(`${name}: value, gradient${curved ? " and Hessian-vector product" : ""}`, () => {
      nanAt1(f(x), name);
      nanAt1(grad((t) => f(t).sum())(x), `${name} gradient`);
      if (curved) nanAt1(hvp((t) => f(t).sum(), x, fill([3], 1)), `${name} hvp`);
      // the finite entries are unaffected by the NaN next to them
      assert.ok(Number.isFinite(f(x).toArray()[0]!) && Number.isFinite(grad((t) => f(t).sum())(x).toArray()[0]!));
    });
  }
  test("max and logSumExp: a NaN in the cell gives NaN value and NaN gradient", () => {
    for (const f of [(t: Tensor) => t.max(), (t: Tensor) => t.logSumExp(), (t: Tensor) => t.square().sum()]) {
      const [v, g] = valueAndGrad(f)(x);
      assert.ok(Number.isNaN(v.item()));
      assert.ok(g.toArray().some(Number.isNaN), `gradient ${g.toArray().join(", ")}`);
    }
  });
  test("where with a NaN condition picks the first branch, never the second", () => {
    assert.deepEqual(tensor([NaN, 0, 1]).where(vec([1, 2, 3]), vec([7, 8, 9])).toArray(), [1, 8, 3]);
  });
});

describe("float32", () => {
  // float32 rounding is ε ≈ 6e-8 per op; small compositions stay within ~100 ε, hence 1e-5.
  const F32 = 1e-5;
  const rng = new k.Rng(40);
  const A = randomTensor(rng, [4, 4], "float32");
  const x = randomTensor(rng, [4], "float32");
  const A64 = tensor(Float64Array.from(A.data()), { shape: [4, 4] });
  const x64 = tensor(Float64Array.from(x.data()), { shape: [4] });
  const f = (a: Tensor) => (v: Tensor): Tensor => v.reshape([1, 4]).matmul(a).matmul(v.reshape([4, 1])).sum().add(v.sigmoid().square().sum());

  test("grad, hvp and hessian keep float32 and match float64 to float32 accuracy [seed 40]", () => {
    const g = grad(f(A))(x);
    const H = hessian(f(A))(x);
    const hv = hvp(f(A), x, x);
    for (const t of [g, H, hv]) assert.equal(t.dtype, "float32");
    assert.ok(relativeError(g, grad(f(A64))(x64)) <= F32);
    assert.ok(relativeError(H, hessian(f(A64))(x64)) <= F32);
    assert.ok(relativeError(hv, hvp(f(A64), x64, x64)) <= F32);
  });
  test("mixing float32 and float64 is an error naming the op", () => {
    assert.throws(() => x.add(x64), /add: dtype mismatch float32 vs float64/);
  });
});

describe("properties of hvp (fast-check)", () => {
  const model = (W: Tensor) => (v: Tensor): Tensor => W.matmul(v.reshape([4, 1])).tanh().square().sum().add(v.softplus().sum());

  test("determinism: two identical hvp calls give identical bits", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const rng = new k.Rng(seed);
        const W = randomTensor(rng, [3, 4]);
        const x = randomTensor(rng, [4]);
        const v = randomTensor(rng, [4]);
        const a = hvp(model(W), x, v).toArray();
        const b = hvp(model(W), x, v).toArray();
        return a.every((e, i) => Object.is(e, b[i]));
      }),
      { numRuns: 25, seed: 41 },
    );
  });

  test("linearity in v: H(αv + βw) = αHv + βHw", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.double({ min: -3, max: 3, noNaN: true }),
        fc.double({ min: -3, max: 3, noNaN: true }),
        (seed, alpha, beta) => {
          const rng = new k.Rng(seed);
          const W = randomTensor(rng, [3, 4]);
          const x = randomTensor(rng, [4]);
          const v = randomTensor(rng, [4]);
          const w = randomTensor(rng, [4]);
          const lhs = hvp(model(W), x, v.mul(alpha).add(w.mul(beta)));
          const rhs = hvp(model(W), x, v).mul(alpha).add(hvp(model(W), x, w).mul(beta));
          // rounding only; scale by |α|‖Hv‖ + |β|‖Hw‖ so cancellation between the terms can't inflate it
          const scale = Math.abs(alpha) * Math.hypot(...hvp(model(W), x, v).toArray()) + Math.abs(beta) * Math.hypot(...hvp(model(W), x, w).toArray());
          return relativeError(lhs, rhs, scale) <= 1e-14 || scale === 0;
        },
      ),
      { numRuns: 25, seed: 42 },
    );
  });

  test("symmetry: ⟨u, Hv⟩ = ⟨Hu, v⟩", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const rng = new k.Rng(seed);
        const W = randomTensor(rng, [3, 4]);
        const [x, u, v] = [randomTensor(rng, [4]), randomTensor(rng, [4]), randomTensor(rng, [4])];
        const uHv = dot(u, hvp(model(W), x, v));
        const Huv = dot(hvp(model(W), x, u), v);
        return maxElementwiseError([uHv], [Huv], 1) <= 1e-13;
      }),
      { numRuns: 25, seed: 43 },
    );
  });
});
