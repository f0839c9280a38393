/** @file movement primitives: transpose, reshape, broadcastTo, slice, pad, concat — all linear */
import * as k from "../../kernels/index.js";
import { definePrimitive } from "../primitive.js";

/** Permutes axes. Its adjoint is the inverse permutation. */
export const transpose = definePrimitive<{ readonly perm: readonly number[] }>({
  name: "transpose",
  impl: ([a], { perm }) => k.transpose(a!, perm),
  jvp: [(t, _, __, { perm }) => t.transpose(perm)],
  vjp: [(g, _, __, { perm }) => g.transpose(inversePermutation(perm))],
});

/** The permutation q with q[perm[i]] = i. */
export function inversePermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** New shape, same elements in row-major order. */
export const reshape = definePrimitive<{ readonly shape: readonly number[] }>({
  name: "reshape",
  impl: ([a], { shape }) => k.reshape(a!, shape),
  jvp: [(t, _, __, { shape }) => t.reshape(shape)],
  vjp: [(g, [a]) => g.reshape(a!.shape)],
});

/** Broadcasts to a shape (NumPy rules). Its adjoint sums over the broadcast axes. */
export const broadcastTo = definePrimitive<{ readonly shape: readonly number[] }>({
  name: "broadcastTo",
  impl: ([a], { shape }) => k.broadcastTo(a!, shape),
  jvp: [(t, _, __, { shape }) => t.broadcastTo(shape)],
  vjp: [
    (g, [a], _, { shape }) => {
      const lead = shape.length - a!.shape.length;
      const axes = shape.flatMap((d, i) => (i < lead || (a!.shape[i - lead] === 1 && d !== 1) ? [i] : []));
      return axes.length === 0 ? g.reshape(a!.shape) : g.sum(axes, true).reshape(a!.shape);
    },
  ],
});

/** A block: begin and size per axis. Its adjoint pads with zeros. */
export const slice = definePrimitive<{ readonly begin: readonly number[]; readonly size: readonly number[] }>({
  name: "slice",
  impl: ([a], { begin, size }) => k.slice(a!, begin, size),
  jvp: [(t, _, __, { begin, size }) => t.slice(begin, size)],
  vjp: [(g, [a], _, { begin }) => g.pad(begin, a!.shape)],
});

/** Embeds into zeros of a larger shape at `begin`. Its adjoint slices. */
export const pad = definePrimitive<{ readonly begin: readonly number[]; readonly shape: readonly number[] }>({
  name: "pad",
  impl: ([a], { begin, shape }) => k.pad(a!, begin, shape),
  jvp: [(t, _, __, { begin, shape }) => t.pad(begin, shape)],
  vjp: [(g, [a], _, { begin }) => g.slice(begin, a!.shape)],
});

/** Joins along an axis. Input i's tangent is padded into place; its cotangent is sliced out. */
export const concat = definePrimitive<{ readonly axis: number }>({
  name: "concat",
  impl: (arrays, { axis }) => k.concat(arrays, axis),
  jvp: (i) => (t, inputs, y, { axis }) => t.pad(offsetOf(inputs, i, axis), y.shape),
  vjp: (i) => (g, inputs, _, { axis }) => g.slice(offsetOf(inputs, i, axis), inputs[i]!.shape),
});

function offsetOf(inputs: readonly { readonly shape: readonly number[] }[], i: number, axis: number): number[] {
  const begin = new Array<number>(inputs[i]!.shape.length).fill(0);
  begin[axis] = inputs.slice(0, i).reduce((acc, x) => acc + x.shape[axis]!, 0);
  return begin;
}

/** A reshape target with its one −1 (if any) resolved so that it holds `count` elements, as `from` does. */
export function inferShape(shape: readonly number[], count: number, from: readonly number[]): number[] {
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
