/** @file Tensor: an immutable value, its methods, and bind — how every method reaches a primitive or the trace above it */
import * as k from "../kernels/index.js";
import type { DType, NDArray } from "../kernels/ndarray.js";
import type { Primitive } from "./primitive.js";
import { inferShape } from "./primitives/movement.js";
import { primitives as P } from "./registry.js";
import { activeTrace } from "./trace.js";

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
  /** The concrete value underneath any tracers (derivative bookkeeping is dropped). */
  abstract toNDArray(): NDArray;

  // ---- reading ----
  /** Number of elements. */
  get size(): number {
    return k.size(this.shape);
  }
  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }
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

/** A value inside the jvp/vjp trace at `level`: its primal one level down, plus the subclass's derivative bookkeeping. */
export abstract class Tracer extends Tensor {
  constructor(
    readonly level: number,
    readonly primal: Tensor,
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

/**
 * Applies a primitive to tensors. Concrete inputs are computed on; otherwise the primitive is
 * applied to the values one level below the innermost trace among the inputs, and that trace
 * carries the result up (lower-level values are constants to it).
 */
export function bind<Params>(prim: Primitive<Params>, inputs: readonly Tensor[], params: Params): Tensor {
  let top = 0;
  for (const x of inputs) if (x instanceof Tracer) top = Math.max(top, x.level);
  if (top === 0 || prim.jvp === undefined) {
    // concrete inputs, or a non-differentiable primitive: compute on the values underneath
    return new ConcreteTensor(prim.impl(inputs.map((x) => x.toNDArray()), params));
  }
  const trace = activeTrace(top);
  if (trace === undefined) {
    throw new Error(
      `${prim.name}: a tracer escaped the jvp/vjp that created it (a derivative value was kept after its transformation returned)`,
    );
  }
  const primals = inputs.map((x) => (x instanceof Tracer && x.level === top ? x.primal : x));
  return trace.process(prim, inputs, primals, bind(prim, primals, params), params);
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
