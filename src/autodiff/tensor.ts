/** @file Tensor: an immutable value that is either concrete data or a tracer of a forward/reverse trace */
import * as k from "../kernels/index.js";
import type { DType, NDArray, NestedNumbers } from "../kernels/ndarray.js";
import { ruleFor, type Primitive } from "./primitive.js";
import { primitives as P } from "./registry.js";

/** A tensor or a plain number (a constant of the other operand's dtype). */
export type TensorLike = Tensor | number;

/**
 * An immutable n-dimensional value. Concrete tensors hold data; tracers (created inside jvp/vjp)
 * carry a primal value plus derivative bookkeeping at one trace level. All math goes through
 * primitives via `bind`, which is what lets any composition be differentiated to any order.
 */
export abstract class Tensor {
  abstract readonly shape: readonly number[];
  abstract readonly dtype: DType;

  /** Number of elements. */
  get size(): number {
    return k.size(this.shape);
  }

  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** The concrete value underneath any tracers (derivative bookkeeping is dropped). */
  abstract toNDArray(): NDArray;

  /** The values as a typed array (a view of immutable data: do not write to it). */
  data(): Float32Array | Float64Array {
    return this.toNDArray().data;
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new k.ShapeError(`item: tensor of shape ${k.formatShape(this.shape)} is not a scalar`);
    return this.data()[0]!;
  }

  /** The values as a plain array (flat, row-major). */
  toArray(): number[] {
    return Array.from(this.data());
  }

  // ---- arithmetic (broadcasting) ----
  /** this + other, broadcasting. */
  add(other: TensorLike): Tensor {
    return binary(P.add, this, other, "add");
  }
  /** this − other, broadcasting. */
  sub(other: TensorLike): Tensor {
    return binary(P.add, this, lift(other, this.dtype).neg(), "sub");
  }
  /** this ⊙ other, broadcasting. */
  mul(other: TensorLike): Tensor {
    return binary(P.mul, this, other, "mul");
  }
  /** this / other, broadcasting (a composite: this · 1/other). */
  div(other: TensorLike): Tensor {
    return binary(P.mul, this, lift(other, this.dtype).reciprocal(), "div");
  }
  /** −this. */
  neg(): Tensor {
    return bind(P.neg, [this], undefined);
  }
  /** 1/this. */
  reciprocal(): Tensor {
    return bind(P.reciprocal, [this], undefined);
  }
  /** thisᵖ for a constant p. */
  pow(exponent: number): Tensor {
    return bind(P.pow, [this], { exponent });
  }
  /** this². */
  square(): Tensor {
    return bind(P.square, [this], undefined);
  }
  /** √this. */
  sqrt(): Tensor {
    return bind(P.sqrt, [this], undefined);
  }
  /** e^this. */
  exp(): Tensor {
    return bind(P.exp, [this], undefined);
  }
  /** log this. */
  log(): Tensor {
    return bind(P.log, [this], undefined);
  }
  /** log(1 + this). */
  log1p(): Tensor {
    return bind(P.log1p, [this], undefined);
  }

  // ---- activations ----
  /** tanh. */
  tanh(): Tensor {
    return bind(P.tanh, [this], undefined);
  }
  /** Logistic sigmoid. */
  sigmoid(): Tensor {
    return bind(P.sigmoid, [this], undefined);
  }
  /** max(x, 0). */
  relu(): Tensor {
    return bind(P.relu, [this], undefined);
  }
  /** x for x > 0, αx otherwise (α = 0.01 by default, as in PyTorch). */
  leakyRelu(alpha = 0.01): Tensor {
    return bind(P.leakyRelu, [this], { alpha });
  }
  /** log(1 + eˣ). */
  softplus(): Tensor {
    return bind(P.softplus, [this], undefined);
  }
  /** The error function. */
  erf(): Tensor {
    return bind(P.erf, [this], undefined);
  }
  /** GELU: exact (erf) form by default, or PyTorch's approximate="tanh". */
  gelu(approximate: "none" | "tanh" = "none"): Tensor {
    return approximate === "tanh" ? bind(P.geluTanh, [this], undefined) : bind(P.gelu, [this], undefined);
  }

  // ---- reductions ----
  /** Σ over axes (all by default). */
  sum(axes?: readonly number[], keepDims = false): Tensor {
    return bind(P.sum, [this], { axes: k.normalizeAxes("sum", this.rank, axes), keepDims });
  }
  /** Mean over axes (all by default). */
  mean(axes?: readonly number[], keepDims = false): Tensor {
    const ax = k.normalizeAxes("mean", this.rank, axes);
    const count = ax.reduce((n, a) => n * this.shape[a]!, 1);
    return this.sum(ax, keepDims).mul(1 / count);
  }
  /** Maximum over axes (all by default). */
  max(axes?: readonly number[], keepDims = false): Tensor {
    return bind(P.max, [this], { axes: k.normalizeAxes("max", this.rank, axes), keepDims });
  }
  /** log Σ exp over axes, computed stably. */
  logSumExp(axes?: readonly number[], keepDims = false): Tensor {
    return bind(P.logSumExp, [this], { axes: k.normalizeAxes("logSumExp", this.rank, axes), keepDims });
  }
  /** log softmax along an axis (last by default), stable. */
  logSoftmax(axis = -1): Tensor {
    const [a] = k.normalizeAxes("logSoftmax", this.rank, [axis]);
    return bind(P.logSoftmax, [this], { axis: a! });
  }
  /** softmax along an axis (last by default). */
  softmax(axis = -1): Tensor {
    return this.logSoftmax(axis).exp();
  }

  // ---- linear algebra ----
  /** Matrix product this·other for 2-D tensors. */
  matmul(other: Tensor): Tensor {
    return bind(P.matmul, [this, other], undefined);
  }
  /** this·otherᵀ for 2-D tensors. */
  matmulT(other: Tensor): Tensor {
    return bind(P.matmulT, [this, other], undefined);
  }
  /** thisᵀ·other for 2-D tensors. */
  tMatmul(other: Tensor): Tensor {
    return bind(P.tMatmul, [this, other], undefined);
  }

  // ---- movement ----
  /** Permutes axes (reverses them by default). */
  transpose(perm?: readonly number[]): Tensor {
    const p = perm ?? this.shape.map((_, i) => this.rank - 1 - i);
    return bind(P.transpose, [this], { perm: p });
  }
  /** Same elements, new shape; one entry may be −1 (inferred). */
  reshape(shape: readonly number[]): Tensor {
    const resolved = inferShape(shape, this.size, this.shape);
    if (k.sameShape(resolved, this.shape)) return this;
    return bind(P.reshape, [this], { shape: resolved });
  }
  /** Broadcasts to a shape (NumPy rules). */
  broadcastTo(shape: readonly number[]): Tensor {
    if (k.sameShape(shape, this.shape)) return this;
    if (!k.broadcastable(this.shape, shape)) {
      throw new k.ShapeError(`broadcastTo: cannot broadcast ${k.formatShape(this.shape)} to ${k.formatShape(shape)}`);
    }
    return bind(P.broadcastTo, [this], { shape: [...shape] });
  }
  /** The block starting at `begin` with extent `size`. */
  slice(begin: readonly number[], size: readonly number[]): Tensor {
    return bind(P.slice, [this], { begin: [...begin], size: [...size] });
  }
  /** This placed at `begin` inside zeros of `shape`. */
  pad(begin: readonly number[], shape: readonly number[]): Tensor {
    return bind(P.pad, [this], { begin: [...begin], shape: [...shape] });
  }

  // ---- selection ----
  /** Uses this as a condition: a where this ≠ 0, else b (broadcasting all three). */
  where(a: TensorLike, b: TensorLike): Tensor {
    const x = lift(a, this.dtype);
    const y = lift(b, this.dtype);
    const shape = k.broadcastShapes("where", k.broadcastShapes("where", this.shape, x.shape), y.shape);
    return bind(P.where, [this.broadcastTo(shape), x.broadcastTo(shape), y.broadcastTo(shape)], undefined);
  }
  /** Mask: 1 where this > other, else 0 (NaN where either is NaN). Carries no derivative. */
  greater(other: TensorLike): Tensor {
    return binary(P.greater, this, other, "greater");
  }
  /** Mask: 1 where this = other, else 0. Carries no derivative. */
  equal(other: TensorLike): Tensor {
    return binary(P.equal, this, other, "equal");
  }
  /** −1, 0 or 1 per element. Carries no derivative. */
  sign(): Tensor {
    return bind(P.sign, [this], undefined);
  }
  /** Zeros of this shape and dtype (a constant). */
  zerosLike(): Tensor {
    return new ConcreteTensor(k.zeros(this.shape, this.dtype));
  }
  /** The same value with every derivative dropped. */
  stopGradient(): Tensor {
    return new ConcreteTensor(this.toNDArray());
  }
}

/** A tensor holding data. */
export class ConcreteTensor extends Tensor {
  constructor(readonly array: NDArray) {
    super();
  }
  get shape(): readonly number[] {
    return this.array.shape;
  }
  get dtype(): DType {
    return this.array.dtype;
  }
  toNDArray(): NDArray {
    return this.array;
  }
}

// ------------------------------------------------------------------------------------------------
// Traces. Every jvp/vjp call opens a trace with a fresh, increasing level; a tracer belongs to one.
// An op dispatches to the highest level among its inputs, treating lower-level values as constants:
// that ordering is what keeps nested derivatives free of perturbation confusion.

type TraceKind = "jvp" | "vjp";
const activeTraces = new Map<number, TraceKind>();
let nextLevel = 1;

/** Opens a trace, runs `body` with its level, and closes it again even if `body` throws. */
export function withTrace<T>(kind: TraceKind, body: (level: number) => T): T {
  const level = nextLevel++;
  activeTraces.set(level, kind);
  try {
    return body(level);
  } finally {
    activeTraces.delete(level);
  }
}

/** A tracer of a forward-mode (jvp) trace: a primal and its tangent (null = symbolic zero). */
export class JvpTracer extends Tensor {
  constructor(
    readonly level: number,
    readonly primal: Tensor,
    readonly tangent: Tensor | null,
  ) {
    super();
  }
  get shape(): readonly number[] {
    return this.primal.shape;
  }
  get dtype(): DType {
    return this.primal.dtype;
  }
  toNDArray(): NDArray {
    return this.primal.toNDArray();
  }
}

/** A node of a reverse-mode tape: its parents (null = constant input) and its pullback. */
export interface TapeNode {
  readonly id: number;
  readonly parents: readonly (TapeNode | null)[];
  /** Input cotangents from the output cotangent; null where an input needs none. */
  readonly pullback: ((cotangent: Tensor) => (Tensor | null)[]) | null;
}

let nextNodeId = 1;

/** A fresh leaf node, for an input of a vjp. */
export function leafNode(): TapeNode {
  return { id: nextNodeId++, parents: [], pullback: null };
}

/** A tracer of a reverse-mode (vjp) trace: a primal and the tape node that produced it. */
export class VjpTracer extends Tensor {
  constructor(
    readonly level: number,
    readonly primal: Tensor,
    readonly node: TapeNode,
  ) {
    super();
  }
  get shape(): readonly number[] {
    return this.primal.shape;
  }
  get dtype(): DType {
    return this.primal.dtype;
  }
  toNDArray(): NDArray {
    return this.primal.toNDArray();
  }
}

function levelOf(t: Tensor): number {
  return t instanceof JvpTracer || t instanceof VjpTracer ? t.level : 0;
}

/** The value of `t` one level down, if `t` is a tracer at `level`; else `t` itself. */
function primalAt(t: Tensor, level: number): Tensor {
  return (t instanceof JvpTracer || t instanceof VjpTracer) && t.level === level ? t.primal : t;
}

/** Applies a primitive to tensors, dispatching to the innermost active trace among them. */
export function bind<Params>(prim: Primitive<Params>, inputs: readonly Tensor[], params: Params): Tensor {
  let top = 0;
  for (const x of inputs) top = Math.max(top, levelOf(x));
  if (top === 0 || prim.jvp === undefined) {
    // concrete inputs, or a non-differentiable primitive: compute on the values underneath
    return new ConcreteTensor(prim.impl(inputs.map((x) => x.toNDArray()), params));
  }
  const kind = activeTraces.get(top);
  if (kind === undefined) {
    throw new Error(
      `${prim.name}: a tracer escaped the jvp/vjp that created it (a derivative value was kept after its transformation returned)`,
    );
  }
  const primals = inputs.map((x) => primalAt(x, top));
  const out = bind(prim, primals, params);
  if (kind === "jvp") {
    let tangent: Tensor | null = null;
    inputs.forEach((x, i) => {
      if (!(x instanceof JvpTracer) || x.level !== top || x.tangent === null) return;
      const rule = ruleFor(prim.jvp, i);
      if (rule === null) return;
      const t = rule(x.tangent, primals, out, params);
      tangent = tangent === null ? t : bind(P.add, [tangent, t], undefined);
    });
    return tangent === null ? out : new JvpTracer(top, out, tangent);
  }
  const parents = inputs.map((x) => (x instanceof VjpTracer && x.level === top ? x.node : null));
  const node: TapeNode = {
    id: nextNodeId++,
    parents,
    pullback: (g) =>
      parents.map((parent, i) => {
        if (parent === null) return null;
        const rule = ruleFor(prim.vjp, i);
        return rule === null ? null : rule(g, primals, out, params);
      }),
  };
  return new VjpTracer(top, out, node);
}

/**
 * Runs the tape backwards from `output` with cotangent `seed`, returning the cotangent of each
 * leaf in `leaves` (zeros where the output does not depend on it). Nodes are created in increasing
 * id order, so decreasing id is a valid reverse topological order.
 */
export function backpropagate(output: TapeNode, seed: Tensor, leaves: readonly TapeNode[], zeros: () => Tensor[]): Tensor[] {
  const reachable = new Map<number, TapeNode>();
  const stack = [output];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (reachable.has(node.id)) continue;
    reachable.set(node.id, node);
    for (const p of node.parents) if (p !== null && !reachable.has(p.id)) stack.push(p);
  }
  const cotangents = new Map<number, Tensor>([[output.id, seed]]);
  const order = [...reachable.values()].sort((a, b) => b.id - a.id);
  for (const node of order) {
    const g = cotangents.get(node.id);
    if (g === undefined || node.pullback === null) continue;
    if (!leaves.includes(node)) cotangents.delete(node.id); // free memory as we go
    const inputCotangents = node.pullback(g);
    node.parents.forEach((parent, i) => {
      const ct = inputCotangents[i];
      if (parent === null || ct === null || ct === undefined) return;
      const prev = cotangents.get(parent.id);
      cotangents.set(parent.id, prev === undefined ? ct : bind(P.add, [prev, ct], undefined));
    });
  }
  const fallback = zeros();
  return leaves.map((leaf, i) => cotangents.get(leaf.id) ?? fallback[i]!);
}

// ------------------------------------------------------------------------------------------------

/** A constant tensor from nested arrays, a flat typed array with a shape, or a number (scalar). */
export function tensor(values: number | NestedNumbers | Float32Array | Float64Array, options: TensorOptions = {}): Tensor {
  const dtype = options.dtype ?? (values instanceof Float32Array ? "float32" : "float64");
  if (values instanceof Float32Array || values instanceof Float64Array) {
    const shape = options.shape ?? [values.length];
    const data = values.constructor === (dtype === "float64" ? Float64Array : Float32Array) ? values : k.astype(k.ndarray(values, [values.length]), dtype).data;
    return new ConcreteTensor(k.ndarray(data, shape));
  }
  const arr = k.fromNested(values, dtype);
  return new ConcreteTensor(options.shape === undefined ? arr : k.reshape(arr, options.shape));
}

/** Options of `tensor`. */
export interface TensorOptions {
  readonly dtype?: DType;
  readonly shape?: readonly number[];
}

/** Wraps an NDArray as a constant tensor. */
export function fromNDArray(array: NDArray): Tensor {
  return new ConcreteTensor(array);
}

/** A constant tensor filled with one value. */
export function fill(shape: readonly number[], value: number, dtype: DType = "float64"): Tensor {
  return new ConcreteTensor(k.full(shape, value, dtype));
}

/** Joins tensors along an axis. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = tensors[0];
  if (first === undefined) throw new k.ShapeError("concat: needs at least one tensor");
  const [a] = k.normalizeAxes("concat", first.rank, [axis]);
  return bind(P.concat, tensors, { axis: a! });
}

function lift(x: TensorLike, dtype: DType): Tensor {
  return typeof x === "number" ? new ConcreteTensor(k.full([], x, dtype)) : x;
}

function binary(prim: Primitive<undefined>, a: Tensor, b: TensorLike, op: string): Tensor {
  const y = lift(b, a.dtype);
  if (a.dtype !== y.dtype) throw new k.ShapeError(`${op}: dtype mismatch ${a.dtype} vs ${y.dtype}`);
  if (k.sameShape(a.shape, y.shape)) return bind(prim, [a, y], undefined);
  const shape = k.broadcastShapes(op, a.shape, y.shape);
  return bind(prim, [a.broadcastTo(shape), y.broadcastTo(shape)], undefined);
}

function inferShape(shape: readonly number[], count: number, from: readonly number[]): number[] {
  const unknown = shape.filter((d) => d === -1).length;
  const known = shape.reduce((n, d) => (d === -1 ? n : n * d), 1);
  if (unknown > 1 || shape.some((d) => d !== -1 && (!Number.isInteger(d) || d < 0))) {
    throw new k.ShapeError(`reshape: invalid shape ${k.formatShape(shape)}`);
  }
  const resolved = shape.map((d) => (d === -1 ? (known === 0 ? 0 : count / known) : d));
  if (k.size(resolved) !== count || resolved.some((d) => !Number.isInteger(d))) {
    throw new k.ShapeError(`reshape: cannot reshape ${k.formatShape(from)} to ${k.formatShape(shape)}`);
  }
  return resolved;
}
