/** @file the primitive table: every primitive's impl, jvp and vjp — and the rules' own derivatives — against independent references */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import * as k from "../kernels/index.js";
import type { NDArray } from "../kernels/ndarray.js";
import { jvp, vjp } from "./api.js";
import type { Primitive } from "./primitive.js";
import { primitives, type PrimitiveName } from "./registry.js";
import { concat, fromNDArray, tensor } from "./creation.js";
import type { Tensor } from "./tensor.js";
import {
  axpy,
  centralDifference,
  dot,
  norm,
  randomAwayFromZero,
  randomDirection,
  randomTensor,
  randomUniformTensor,
  relativeError,
} from "./testing.js";
import { at, unravel } from "../kernels/indexing.js";

// ---- the row type ------------------------------------------------------------------------------

/** How to test one primitive. Built with `row`, which fixes the primitive's parameter type. */
interface GradSpec {
  readonly name: string;
  /** "smooth": every derivative check; "mask": impl check and "carries no derivative". */
  readonly kind: "smooth" | "mask";
  /** float64 inputs for a seeded generator, inside the primitive's domain (kinks avoided by a margin). */
  readonly inputs: (rng: k.Rng) => Tensor[];
  /** The inputs that carry derivatives (others are held constant). */
  readonly wrt: readonly number[];
  /** The primitive's own kernel on raw arrays. */
  readonly impl: (xs: readonly NDArray[]) => NDArray;
  /** The primitive applied through the Tensor API — what jvp/vjp trace. */
  readonly call: (xs: readonly Tensor[]) => Tensor;
  /** An independent scalar-loop implementation. */
  readonly reference: (xs: readonly NDArray[]) => NDArray;
  /** Bound on ‖impl − reference‖/‖reference‖ (the references are naive double formulas). */
  readonly implTolerance: number;
}

interface RowOptions<P> {
  readonly kind?: "smooth" | "mask";
  readonly inputs: (rng: k.Rng) => Tensor[];
  readonly wrt?: readonly number[];
  readonly call: (xs: readonly Tensor[], params: P) => Tensor;
  readonly reference: (xs: readonly NDArray[], params: P) => NDArray;
  readonly implTolerance?: number;
}

function row<P>(prim: Primitive<P>, params: P, o: RowOptions<P>): GradSpec {
  return {
    name: prim.name,
    kind: o.kind ?? "smooth",
    inputs: o.inputs,
    wrt: o.wrt ?? [0],
    impl: (xs) => prim.impl(xs, params),
    call: (xs) => o.call(xs, params),
    reference: (xs) => o.reference(xs, params),
    // Most references agree with the kernels to a few ulps; a norm-wise 1e-13 leaves room for
    // different summation orders (matmul, reductions) without hiding a wrong formula.
    implTolerance: o.implTolerance ?? 1e-13,
  };
}

// ---- scalar-loop references --------------------------------------------------------------------

function out(shape: readonly number[], fill: (idx: number[], flat: number) => number): NDArray {
  const a = k.zeros(shape, "float64");
  for (let i = 0; i < a.data.length; i++) a.data[i] = fill(unravel(i, shape), i);
  return a;
}

const unaryRef = (f: (x: number) => number) => (xs: readonly NDArray[]): NDArray => out(xs[0]!.shape, (_, i) => f(xs[0]!.data[i]!));
const binaryRef = (f: (x: number, y: number) => number) => (xs: readonly NDArray[]): NDArray =>
  out(xs[0]!.shape, (_, i) => f(xs[0]!.data[i]!, xs[1]!.data[i]!));

/** Per output cell, the list of input values reduced into it (then folded by the caller). */
function reduceRef(a: NDArray, axes: readonly number[], keepDims: boolean, fold: (cell: number[]) => number): NDArray {
  const kept = a.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const cells = Array.from({ length: k.size(kept) }, (): number[] => []);
  for (let i = 0; i < a.data.length; i++) {
    const idx = unravel(i, a.shape).map((v, d) => (axes.includes(d) ? 0 : v));
    let flat = 0;
    for (let d = 0; d < kept.length; d++) flat = flat * kept[d]! + idx[d]!;
    cells[flat]!.push(a.data[i]!);
  }
  const shape = keepDims ? kept : a.shape.filter((_, i) => !axes.includes(i));
  return out(shape, (_, i) => fold(cells[i]!));
}

const naiveLse = (cell: number[]): number => Math.log(cell.reduce((s, v) => s + Math.exp(v), 0));

function matmulRef(a: NDArray, b: NDArray, transA: boolean, transB: boolean): NDArray {
  const A = (i: number, p: number): number => (transA ? at(a, [p, i]) : at(a, [i, p]));
  const B = (p: number, j: number): number => (transB ? at(b, [j, p]) : at(b, [p, j]));
  const m = transA ? a.shape[1]! : a.shape[0]!;
  const inner = transA ? a.shape[0]! : a.shape[1]!;
  const n = transB ? b.shape[0]! : b.shape[1]!;
  return out([m, n], ([i, j]) => {
    let s = 0;
    for (let p = 0; p < inner; p++) s += A(i!, p) * B(p, j!);
    return s;
  });
}

/** erf by its Taylor series: independent of the kernel's algorithm, ~1e-13 absolute for |x| ≤ 3.5. */
function erfTaylor(x: number): number {
  let term = x;
  let s = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    s += add;
    if (Math.abs(add) < 1e-18 * Math.abs(s)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * s;
}

// ---- input builders ----------------------------------------------------------------------------

const normal = (shape: readonly number[], scale = 1) => (rng: k.Rng): Tensor[] => [randomTensor(rng, shape, "float64", scale)];
const uniform = (shape: readonly number[], low: number, high: number) => (rng: k.Rng): Tensor[] => [
  randomUniformTensor(rng, shape, low, high),
];

/** A random permutation of well-separated values (gaps ≥ 0.2), so max has no ties within an FD step. */
function separated(rng: k.Rng, shape: readonly number[]): Tensor {
  const n = k.size(shape);
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const data = Float64Array.from(order, (r) => -1.5 + 0.3 * r + 0.05 * rng.uniform());
  return tensor(data, { shape });
}

/** b equal to a in about half the entries and a ± 0.5 elsewhere, so masks see every outcome (ties too). */
function partlyEqual(rng: k.Rng, a: Tensor): Tensor {
  const d = Float64Array.from(a.data(), (v) => (rng.uniform() < 0.5 ? v : v + (rng.uniform() < 0.5 ? 0.5 : -0.5)));
  return tensor(d, { shape: a.shape });
}

/** The inputs of a comparison: a random a and a b that ties with it in about half the entries. */
function comparisonInputs(rng: k.Rng): Tensor[] {
  const a = randomTensor(rng, [3, 4]);
  return [a, partlyEqual(rng, a)];
}

const SIGMOID = (x: number): number => 1 / (1 + Math.exp(-x));
const GELU_C = Math.sqrt(2 / Math.PI);

// ---- THE table: one row per primitive; a primitive without a row does not compile ---------------

const P = primitives;
const table: Record<PrimitiveName, GradSpec> = {
  add: row(P.add, undefined, {
    inputs: (rng) => [randomTensor(rng, [3, 4]), randomTensor(rng, [3, 4])],
    wrt: [0, 1],
    call: ([a, b]) => a!.add(b!),
    reference: binaryRef((x, y) => x + y),
  }),
  mul: row(P.mul, undefined, {
    inputs: (rng) => [randomTensor(rng, [3, 4]), randomTensor(rng, [3, 4])],
    wrt: [0, 1],
    call: ([a, b]) => a!.mul(b!),
    reference: binaryRef((x, y) => x * y),
  }),
  neg: row(P.neg, undefined, { inputs: normal([2, 5]), call: ([a]) => a!.neg(), reference: unaryRef((x) => -x) }),
  reciprocal: row(P.reciprocal, undefined, {
    // |x| ≥ 0.5: away from the pole, so the O(h²) FD error stays small
    inputs: (rng) => [randomAwayFromZero(rng, [2, 5], 0.5, 1.5)],
    call: ([a]) => a!.reciprocal(),
    reference: unaryRef((x) => 1 / x),
  }),
  exp: row(P.exp, undefined, { inputs: normal([2, 5]), call: ([a]) => a!.exp(), reference: unaryRef(Math.exp) }),
  log: row(P.log, undefined, { inputs: uniform([2, 5], 0.5, 3), call: ([a]) => a!.log(), reference: unaryRef(Math.log) }),
  log1p: row(P.log1p, undefined, {
    inputs: uniform([2, 5], -0.5, 2),
    call: ([a]) => a!.log1p(),
    // log(1+x) is off by ≤ ε/|x| relative near 0; inputs here are ≥ 1e-2 or so in magnitude typically
    reference: unaryRef((x) => Math.log(1 + x)),
    implTolerance: 1e-12,
  }),
  sqrt: row(P.sqrt, undefined, { inputs: uniform([2, 5], 0.5, 3), call: ([a]) => a!.sqrt(), reference: unaryRef(Math.sqrt) }),
  square: row(P.square, undefined, { inputs: normal([2, 5]), call: ([a]) => a!.square(), reference: unaryRef((x) => x * x) }),
  pow: row(P.pow, { exponent: 2.5 }, {
    inputs: uniform([2, 5], 0.5, 2),
    call: ([a], { exponent }) => a!.pow(exponent),
    reference: (xs, { exponent }) => unaryRef((x) => Math.exp(exponent * Math.log(x)))(xs),
  }),
  tanh: row(P.tanh, undefined, {
    inputs: normal([2, 5], 1.5),
    call: ([a]) => a!.tanh(),
    reference: unaryRef((x) => (Math.exp(2 * x) - 1) / (Math.exp(2 * x) + 1)),
  }),
  sigmoid: row(P.sigmoid, undefined, { inputs: normal([2, 5], 2), call: ([a]) => a!.sigmoid(), reference: unaryRef(SIGMOID) }),
  relu: row(P.relu, undefined, {
    // |x| ≥ 0.1 ≫ h: no FD step crosses the kink
    inputs: (rng) => [randomAwayFromZero(rng, [2, 5], 0.1)],
    call: ([a]) => a!.relu(),
    reference: unaryRef((x) => (x > 0 ? x : 0)),
  }),
  leakyRelu: row(P.leakyRelu, { alpha: 0.1 }, {
    inputs: (rng) => [randomAwayFromZero(rng, [2, 5], 0.1)],
    call: ([a], { alpha }) => a!.leakyRelu(alpha),
    reference: (xs, { alpha }) => unaryRef((x) => (x > 0 ? x : alpha * x))(xs),
  }),
  softplus: row(P.softplus, undefined, {
    inputs: normal([2, 5], 2),
    call: ([a]) => a!.softplus(),
    reference: unaryRef((x) => Math.log(1 + Math.exp(x))),
  }),
  erf: row(P.erf, undefined, {
    inputs: normal([2, 5], 1.2),
    call: ([a]) => a!.erf(),
    reference: unaryRef(erfTaylor),
    implTolerance: 1e-12, // the alternating Taylor series loses ~e^(x²)·ε
  }),
  gelu: row(P.gelu, undefined, {
    inputs: normal([2, 5], 1.5),
    call: ([a]) => a!.gelu(),
    reference: unaryRef((x) => 0.5 * x * (1 + erfTaylor(x / Math.SQRT2))),
    implTolerance: 1e-12,
  }),
  geluTanh: row(P.geluTanh, undefined, {
    inputs: normal([2, 5], 1.5),
    call: ([a]) => a!.gelu("tanh"),
    reference: unaryRef((x) => x * SIGMOID(2 * GELU_C * (x + 0.044715 * x ** 3))),
  }),
  sum: row(P.sum, { axes: [0, 2], keepDims: true }, {
    inputs: normal([2, 3, 4]),
    call: ([a], { axes, keepDims }) => a!.sum(axes, keepDims),
    reference: (xs, { axes, keepDims }) => reduceRef(xs[0]!, axes, keepDims, (c) => c.reduce((s, v) => s + v, 0)),
  }),
  max: row(P.max, { axes: [1], keepDims: false }, {
    inputs: (rng) => [separated(rng, [3, 4])],
    call: ([a], { axes, keepDims }) => a!.max(axes, keepDims),
    reference: (xs, { axes, keepDims }) => reduceRef(xs[0]!, axes, keepDims, (c) => c.reduce((m, v) => (v > m ? v : m))),
  }),
  logSumExp: row(P.logSumExp, { axes: [1], keepDims: false }, {
    inputs: normal([3, 4], 2),
    call: ([a], { axes, keepDims }) => a!.logSumExp(axes, keepDims),
    reference: (xs, { axes, keepDims }) => reduceRef(xs[0]!, axes, keepDims, naiveLse),
  }),
  logSoftmax: row(P.logSoftmax, { axis: 0 }, {
    inputs: normal([3, 4], 2),
    call: ([a], { axis }) => a!.logSoftmax(axis),
    reference: ([a], { axis }) => {
      const lse = reduceRef(a!, [axis], true, naiveLse);
      return out(a!.shape, (idx, i) => a!.data[i]! - at(lse, idx.map((v, d) => (d === axis ? 0 : v))));
    },
  }),
  matmul: row(P.matmul, undefined, {
    inputs: (rng) => [randomTensor(rng, [3, 4]), randomTensor(rng, [4, 5])],
    wrt: [0, 1],
    call: ([a, b]) => a!.matmul(b!),
    reference: ([a, b]) => matmulRef(a!, b!, false, false),
  }),
  matmulT: row(P.matmulT, undefined, {
    inputs: (rng) => [randomTensor(rng, [3, 4]), randomTensor(rng, [5, 4])],
    wrt: [0, 1],
    call: ([a, b]) => a!.matmulT(b!),
    reference: ([a, b]) => matmulRef(a!, b!, false, true),
  }),
  tMatmul: row(P.tMatmul, undefined, {
    inputs: (rng) => [randomTensor(rng, [4, 3]), randomTensor(rng, [4, 5])],
    wrt: [0, 1],
    call: ([a, b]) => a!.tMatmul(b!),
    reference: ([a, b]) => matmulRef(a!, b!, true, false),
  }),
  transpose: row(P.transpose, { perm: [1, 2, 0] }, {
    inputs: normal([2, 3, 4]),
    call: ([a], { perm }) => a!.transpose(perm),
    reference: ([a], { perm }) => {
      const shape = perm.map((p) => a!.shape[p]!);
      return out(shape, (idx) => {
        const src = new Array<number>(perm.length);
        perm.forEach((p, j) => (src[p] = idx[j]!));
        return at(a!, src);
      });
    },
  }),
  reshape: row(P.reshape, { shape: [4, 6] }, {
    inputs: normal([2, 3, 4]),
    call: ([a], { shape }) => a!.reshape(shape),
    reference: ([a], { shape }) => out(shape, (_, i) => a!.data[i]!),
  }),
  broadcastTo: row(P.broadcastTo, { shape: [2, 3, 4] }, {
    inputs: normal([3, 1]),
    call: ([a], { shape }) => a!.broadcastTo(shape),
    reference: ([a], { shape }) => {
      const lead = shape.length - a!.shape.length;
      return out(shape, (idx) => at(a!, a!.shape.map((d, j) => (d === 1 ? 0 : idx[lead + j]!))));
    },
  }),
  slice: row(P.slice, { begin: [1, 2], size: [2, 3] }, {
    inputs: normal([4, 5]),
    call: ([a], { begin, size }) => a!.slice(begin, size),
    reference: ([a], { begin, size }) => out(size, (idx) => at(a!, idx.map((v, d) => v + begin[d]!))),
  }),
  pad: row(P.pad, { begin: [1, 1], shape: [4, 5] }, {
    inputs: normal([2, 3]),
    call: ([a], { begin, shape }) => a!.pad(begin, shape),
    reference: ([a], { begin, shape }) =>
      out(shape, (idx) => {
        const src = idx.map((v, d) => v - begin[d]!);
        return src.every((v, d) => v >= 0 && v < a!.shape[d]!) ? at(a!, src) : 0;
      }),
  }),
  concat: row(P.concat, { axis: 1 }, {
    inputs: (rng) => [randomTensor(rng, [2, 3]), randomTensor(rng, [2, 1]), randomTensor(rng, [2, 2])],
    wrt: [0, 1, 2],
    call: (xs, { axis }) => concat(xs, axis),
    reference: (xs, { axis }) => {
      const shape = [...xs[0]!.shape];
      shape[axis] = xs.reduce((s, x) => s + x.shape[axis]!, 0);
      return out(shape, (idx) => {
        let offset = idx[axis]!;
        for (const x of xs) {
          if (offset < x.shape[axis]!) return at(x, idx.map((v, d) => (d === axis ? offset : v)));
          offset -= x.shape[axis]!;
        }
        throw new Error("concat reference: index out of range");
      });
    },
  }),
  where: row(P.where, undefined, {
    inputs: (rng) => [
      randomTensor(rng, [3, 4]).greater(0), // a 0/1 mask: the condition carries no derivative
      randomTensor(rng, [3, 4]),
      randomTensor(rng, [3, 4]),
    ],
    wrt: [1, 2],
    call: ([c, a, b]) => c!.where(a!, b!),
    reference: ([c, a, b]) => out(a!.shape, (_, i) => (c!.data[i] !== 0 ? a!.data[i]! : b!.data[i]!)),
  }),
  greater: row(P.greater, undefined, {
    kind: "mask",
    inputs: comparisonInputs,
    wrt: [0, 1],
    call: ([a, b]) => a!.greater(b!),
    reference: binaryRef((x, y) => (x > y ? 1 : 0)),
  }),
  equal: row(P.equal, undefined, {
    kind: "mask",
    inputs: comparisonInputs,
    wrt: [0, 1],
    call: ([a, b]) => a!.equal(b!),
    reference: binaryRef((x, y) => (x === y ? 1 : 0)),
  }),
  sign: row(P.sign, undefined, {
    kind: "mask",
    inputs: (rng) => [randomTensor(rng, [3, 4]).mul(randomTensor(rng, [3, 4]).greater(-0.5))], // some exact zeros
    call: ([a]) => a!.sign(),
    reference: unaryRef((x) => (x > 0 ? 1 : x < 0 ? -1 : 0)),
  }),
};

// ---- error bookkeeping ---------------------------------------------------------------------------

const CHECKS = [
  "impl vs reference",
  "jvp vs FD",
  "vjp vs FD",
  "vjp dot-product",
  "fwd-over-rev vs FD",
  "rev-over-rev vs FD",
  "2nd-order dot-product",
  "fwd-over-rev = rev-over-rev",
] as const;
type Check = (typeof CHECKS)[number];
const worst = new Map<Check, { error: number; where: string }>();

// Tolerances. Central differences with h = 1e-5 on unit-norm directions and O(1) inputs err by
// ≈ h²·f‴/6 + ε·|f|/h ≈ 1e-11–1e-10 relative; 1e-7 leaves a margin of ~10³ while a wrong rule
// (off by a factor, a sign, a transpose) shows up as an O(1) error. The dot-product identities are
// exact algebra, so only rounding remains: 1e-13 (relative to the Cauchy–Schwarz scale).
const H = 1e-5;
const FD_TOLERANCE = 1e-7;
const DOT_TOLERANCE = 1e-13;

function record(check: Check, error: number, where: string, tolerance: number): void {
  const prev = worst.get(check);
  if (prev === undefined || !(error <= prev.error)) worst.set(check, { error, where });
  assert.ok(error <= tolerance, `${where}: ${check} error ${error} exceeds ${tolerance}`);
}

/** |a − b| relative to the Cauchy–Schwarz bound of the inner products, so cancellation can't inflate it. */
const dotError = (a: number, b: number, scale: number): number => (a === b ? 0 : Math.abs(a - b) / scale);

/** The unit tensors of a shape, for dense finite-difference Jacobians. */
function basis(like: Tensor): Tensor[] {
  return Array.from({ length: like.size }, (_, i) => {
    const e = k.zeros(like.shape, "float64");
    e.data[i] = 1;
    return fromNDArray(e);
  });
}

/** Jᵀu by finite differences: entry j of input i is ⟨u, ∂f/∂x_ij⟩, one central difference each. */
function fdTransposeProduct(f: (...xs: Tensor[]) => Tensor, xs: readonly Tensor[], u: Tensor): number[][] {
  return xs.map((xi, i) =>
    basis(xi).map((e) => {
      const dirs = xs.map((x, j) => (j === i ? e : x.zerosLike()));
      return dot(u, centralDifference(f, xs, dirs, H));
    }),
  );
}

/** The flat concatenation of several tensors (a Tensor op, so it differentiates). */
const flat = (ts: readonly Tensor[]): Tensor => concat(ts.map((t) => t.reshape([-1])), 0);

function checkRow(name: PrimitiveName, spec: GradSpec, seed: number): void {
  const where = `${name} [seed ${seed}]`;
  const rng = new k.Rng(seed);
  const xs = spec.inputs(rng);
  const arrays = xs.map((x) => x.toNDArray());

  // (a) impl vs the scalar-loop reference, and the Tensor API really is this primitive's impl
  const y = spec.impl(arrays);
  const ref = spec.reference(arrays);
  assert.deepEqual(y.shape, ref.shape, `${where}: impl shape`);
  assert.equal(y.dtype, "float64");
  record("impl vs reference", relativeError(y.data, ref.data), where, spec.implTolerance);
  assert.deepEqual(Array.from(spec.call(xs).data()), Array.from(y.data), `${where}: Tensor API vs impl`);

  const f = (...ws: Tensor[]): Tensor => spec.call(xs.map((x, i) => (spec.wrt.includes(i) ? ws[spec.wrt.indexOf(i)]! : x)));
  const primals = spec.wrt.map((i) => xs[i]!);
  const tangents = primals.map((p) => randomDirection(rng, p.shape));
  const u = randomDirection(rng, y.shape);

  if (spec.kind === "mask") {
    // no derivative flows through a mask: tangent and cotangents are exactly zero ...
    const [value, tangent] = jvp(f, primals, tangents);
    assert.deepEqual(Array.from(value.data()), Array.from(y.data));
    assert.ok(tangent.toArray().every((v) => v === 0), `${where}: jvp of a mask must be 0`);
    for (const ct of vjp(f, primals).pullback(u)) assert.ok(ct.toArray().every((v) => v === 0), `${where}: vjp of a mask must be 0`);
    // ... and inside a product x ⊙ mask(x, …) the mask is a constant: ∂/∂x Σ x ⊙ m = m
    const g = vjp((x) => x.mul(f(...primals.map((p, i) => (i === 0 ? x : p)))).sum(), [primals[0]!]).pullback(tensor(1))[0]!;
    assert.deepEqual(g.toArray(), Array.from(y.data), `${where}: a mask in a product is a constant`);
    return;
  }

  // (b) jvp vs central differences along random directions (all differentiable inputs at once)
  const [value, jt] = jvp(f, primals, tangents);
  assert.deepEqual(Array.from(value.data()), Array.from(y.data), `${where}: jvp value`);
  const fd = centralDifference(f, primals, tangents, H);
  record("jvp vs FD", relativeError(jt, fd, norm(y.data) * 1e-3), where, FD_TOLERANCE);

  // (c) vjp: dot-product test ⟨u, J t⟩ = ⟨Jᵀu, t⟩, and every entry of Jᵀu vs finite differences
  const { pullback } = vjp(f, primals);
  const cts = pullback(u);
  const lhs = dot(u, jt);
  const rhs = cts.reduce((s, c, i) => s + dot(c, tangents[i]!), 0);
  record("vjp dot-product", dotError(lhs, rhs, norm(u) * norm(jt) + norm(flat(cts)) * norm(flat(tangents))), where, DOT_TOLERANCE);
  const fdT = fdTransposeProduct(f, primals, u);
  record("vjp vs FD", relativeError(flat(cts), fdT.flat(), norm(y.data) * 1e-3), where, FD_TOLERANCE);

  // (d) second order: the pullback x ↦ Jᵀ(x)u is itself a function of x (the gradient of ⟨u, f⟩);
  // its jvp (forward-over-reverse) and vjp (reverse-over-reverse) get the same checks.
  const pb = (...ws: Tensor[]): Tensor => flat(vjp(f, ws).pullback(u));
  const pbValue = pb(...primals);
  // A zero second derivative (linear primitives) meets FD noise ε·‖Jᵀu‖/h: floor the scale there.
  const floor = norm(pbValue);
  const [, hv] = jvp(pb, primals, tangents);
  record("fwd-over-rev vs FD", relativeError(hv, centralDifference(pb, primals, tangents, H), floor), where, FD_TOLERANCE);

  const s = randomDirection(rng, pbValue.shape);
  const hs = vjp(pb, primals).pullback(s);
  record("rev-over-rev vs FD", relativeError(flat(hs), fdTransposeProduct(pb, primals, s).flat(), floor), where, FD_TOLERANCE);
  const lhs2 = dot(s, hv);
  const rhs2 = hs.reduce((acc, c, i) => acc + dot(c, tangents[i]!), 0);
  record("2nd-order dot-product", dotError(lhs2, rhs2, norm(s) * norm(hv) + norm(flat(hs)) * norm(flat(tangents)) + 1e-300), where, DOT_TOLERANCE);

  // The pullback's Jacobian is the Hessian of x ↦ ⟨u, f(x)⟩, which is symmetric: reverse-over-
  // reverse applied to s must equal forward-over-reverse along s (split back into input shapes).
  let offset = 0;
  const sParts = primals.map((p) => {
    const part = s.slice([offset], [p.size]).reshape(p.shape);
    offset += p.size;
    return part;
  });
  const [, hsForward] = jvp(pb, primals, sParts);
  record("fwd-over-rev = rev-over-rev", relativeError(flat(hs), hsForward, floor * 1e-3), where, DOT_TOLERANCE * 10);
}

// ---- the tests -------------------------------------------------------------------------------

describe("primitive table (float64)", () => {
  const names = Object.keys(table) as PrimitiveName[];

  test("every registered primitive has a row whose name matches its key", () => {
    assert.deepEqual([...names].sort(), Object.keys(primitives).sort());
    for (const name of names) assert.equal(table[name].name, name);
  });

  names.forEach((name, index) => {
    for (const seed of [1000 + 2 * index, 1001 + 2 * index]) {
      test(`${name} [seed ${seed}]`, () => checkRow(name, table[name], seed));
    }
  });

  test("central differences recover a known derivative (the checker can fail)", () => {
    // guard against a vacuous checker: a deliberately wrong jvp (2× the truth) must be caught
    const x = tensor([0.3, -0.7, 1.1]);
    const v = tensor([1, 0, 0]);
    const fd = centralDifference((t) => t.exp(), x, v, H);
    const wrong = x.exp().mul(v).mul(2);
    assert.ok(relativeError(wrong, fd) > 0.3);
    assert.ok(relativeError(jvp((t) => t.exp(), [x], [v])[1], fd) < FD_TOLERANCE);
    assert.ok(relativeError(axpy(x, 1, v), [1.3, -0.7, 1.1]) < 1e-15);
  });

  after(() => {
    const rows = CHECKS.map((c) => {
      const w = worst.get(c);
      return { check: c, worst: w === undefined ? "—" : w.error.toExponential(2), at: w?.where ?? "—" };
    });
    console.log(`primitive table: ${names.length} rows`);
    console.table(rows);
  });
});
