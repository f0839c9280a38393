/** @file reduction primitives: sum and max over axes, and the stable logSumExp / logSoftmax */
import * as k from "../../kernels/index.js";
import { definePrimitive } from "../primitive.js";
import type { Tensor } from "../tensor.js";

/** Axes (normalized, sorted) and whether reduced axes stay as size 1. */
export interface ReduceParams {
  readonly axes: readonly number[];
  readonly keepDims: boolean;
}

/** Reshapes a reduced tensor so reduced axes are size 1, then broadcasts it back over `shape`. */
export function expandReduced(g: Tensor, shape: readonly number[], axes: readonly number[]): Tensor {
  return g.reshape(k.reducedShape(shape, axes, true)).broadcastTo(shape);
}

/** Σ over axes. Linear: jvp sums the tangent; vjp broadcasts the cotangent back. */
export const sum = definePrimitive<ReduceParams>({
  name: "sum",
  impl: ([a], { axes, keepDims }) => k.sum(a!, axes, keepDims),
  jvp: [(t, _, __, { axes, keepDims }) => t.sum(axes, keepDims)],
  vjp: [(g, [a], _, { axes }) => expandReduced(g, a!.shape, axes)],
});

// Ties share the derivative equally (mask / count), so it is a valid (sub)gradient and symmetric.
const maxShare = (a: Tensor, y: Tensor, axes: readonly number[]): Tensor => {
  const mask = a.equal(expandReduced(y, a.shape, axes));
  return mask.div(expandReduced(mask.sum(axes, true), a.shape, axes));
};

/** max over axes. */
export const max = definePrimitive<ReduceParams>({
  name: "max",
  impl: ([a], { axes, keepDims }) => k.max(a!, axes, keepDims),
  jvp: [(t, [a], y, { axes, keepDims }) => t.mul(maxShare(a!, y, axes)).sum(axes, keepDims)],
  vjp: [(g, [a], y, { axes }) => expandReduced(g, a!.shape, axes).mul(maxShare(a!, y, axes))],
});

function logSumExpKernel(a: k.NDArray, axes: readonly number[], keepDims: boolean): k.NDArray {
  // log Σ eˣ = m + log Σ e^(x−m) with m the max: nothing overflows. An all −∞ cell gives −∞, not NaN.
  const m = k.max(a, axes, true);
  const safeM = k.map(m, (v) => (Number.isFinite(v) ? v : 0));
  const shifted = k.exp(k.sub(a, k.broadcastTo(safeM, a.shape)));
  const out = k.add(k.log(k.sum(shifted, axes, true)), safeM);
  return keepDims ? out : k.reshape(out, k.reducedShape(a.shape, axes, false));
}

const softmaxOf = (a: Tensor, y: Tensor, axes: readonly number[]): Tensor =>
  a.sub(expandReduced(y, a.shape, axes)).exp();

/** log Σ exp over axes, stable. Its derivative is the softmax over those axes. */
export const logSumExp = definePrimitive<ReduceParams>({
  name: "logSumExp",
  impl: ([a], { axes, keepDims }) => logSumExpKernel(a!, axes, keepDims),
  jvp: [(t, [a], y, { axes, keepDims }) => t.mul(softmaxOf(a!, y, axes)).sum(axes, keepDims)],
  vjp: [(g, [a], y, { axes }) => expandReduced(g, a!.shape, axes).mul(softmaxOf(a!, y, axes))],
});

/** log softmax along one axis, stable: x − logSumExp(x). */
export const logSoftmax = definePrimitive<{ readonly axis: number }>({
  name: "logSoftmax",
  impl: ([a], { axis }) => k.sub(a!, k.broadcastTo(logSumExpKernel(a!, [axis], true), a!.shape)),
  // dy = dx − Σ softmax·dx ;  x̄ = ȳ − softmax·Σȳ
  jvp: [(t, _, y, { axis }) => t.sub(expandReduced(t.mul(y.exp()).sum([axis], true), y.shape, [axis]))],
  vjp: [(g, _, y, { axis }) => g.sub(y.exp().mul(expandReduced(g.sum([axis], true), y.shape, [axis])))],
});
