/** @file arithmetic and elementary-function primitives: add, mul, neg, reciprocal, exp, log, log1p, sqrt, square, pow */
import * as k from "../../kernels/elementwise.js";
import { definePrimitive } from "../primitive.js";

/** a + b (same shape; Tensor.add broadcasts first). */
export const add = definePrimitive({
  name: "add",
  impl: ([a, b]) => k.add(a!, b!),
  jvp: [(t) => t, (t) => t],
  vjp: [(g) => g, (g) => g],
});

/** a ⊙ b (same shape). */
export const mul = definePrimitive({
  name: "mul",
  impl: ([a, b]) => k.mul(a!, b!),
  // d(ab) = da·b + a·db
  jvp: [(t, [, b]) => t.mul(b!), (t, [a]) => a!.mul(t)],
  vjp: [(g, [, b]) => g.mul(b!), (g, [a]) => a!.mul(g)],
});

/** −a. */
export const neg = definePrimitive({
  name: "neg",
  impl: ([a]) => k.neg(a!),
  jvp: [(t) => t.neg()],
  vjp: [(g) => g.neg()],
});

/** 1/a; d(1/a) = −da/a² = −da·y². */
export const reciprocal = definePrimitive({
  name: "reciprocal",
  impl: ([a]) => k.reciprocal(a!),
  jvp: [(t, _, y) => t.mul(y.square()).neg()],
  vjp: [(g, _, y) => g.mul(y.square()).neg()],
});

/** eᵃ; d eᵃ = eᵃ·da. */
export const exp = definePrimitive({
  name: "exp",
  impl: ([a]) => k.exp(a!),
  jvp: [(t, _, y) => t.mul(y)],
  vjp: [(g, _, y) => g.mul(y)],
});

/** log a; d log a = da/a. */
export const log = definePrimitive({
  name: "log",
  impl: ([a]) => k.log(a!),
  jvp: [(t, [a]) => t.div(a!)],
  vjp: [(g, [a]) => g.div(a!)],
});

/** log(1+a); d = da/(1+a). */
export const log1p = definePrimitive({
  name: "log1p",
  impl: ([a]) => k.log1p(a!),
  jvp: [(t, [a]) => t.div(a!.add(1))],
  vjp: [(g, [a]) => g.div(a!.add(1))],
});

/** √a; d√a = da/(2√a). */
export const sqrt = definePrimitive({
  name: "sqrt",
  impl: ([a]) => k.sqrt(a!),
  jvp: [(t, _, y) => t.div(y.mul(2))],
  vjp: [(g, _, y) => g.div(y.mul(2))],
});

/** a²; d a² = 2a·da. */
export const square = definePrimitive({
  name: "square",
  impl: ([a]) => k.square(a!),
  jvp: [(t, [a]) => t.mul(a!).mul(2)],
  vjp: [(g, [a]) => g.mul(a!).mul(2)],
});

/** aᵖ for a constant exponent p; d aᵖ = p·aᵖ⁻¹·da. */
export const pow = definePrimitive<{ readonly exponent: number }>({
  name: "pow",
  impl: ([a], { exponent }) => k.pow(a!, exponent),
  jvp: [(t, [a], _, { exponent }) => t.mul(a!.pow(exponent - 1)).mul(exponent)],
  vjp: [(g, [a], _, { exponent }) => g.mul(a!.pow(exponent - 1)).mul(exponent)],
});
