/** @file arithmetic and elementary-function primitives: add, mul, neg, reciprocal, exp, log, log1p, sqrt, square, pow */
import * as k from "../../kernels/elementwise.js";
import { definePrimitive, unary, type Rules } from "../primitive.js";

// An elementwise Jacobian is diagonal, its own transpose: each rule list below serves as jvp
// (seed = an input's tangent) and as vjp (seed = the output's cotangent).

const addRules: Rules<undefined> = [(s) => s, (s) => s];
/** a + b (same shape; Tensor.add broadcasts first). */
export const add = definePrimitive({ name: "add", impl: ([a, b]) => k.add(a!, b!), jvp: addRules, vjp: addRules });

// d(ab) = da·b + a·db
const mulRules: Rules<undefined> = [(s, [, b]) => s.mul(b!), (s, [a]) => a!.mul(s)];
/** a ⊙ b (same shape). */
export const mul = definePrimitive({ name: "mul", impl: ([a, b]) => k.mul(a!, b!), jvp: mulRules, vjp: mulRules });

const negRules: Rules<undefined> = [(s) => s.neg()];
/** −a: linear, so its rule is itself. */
export const neg = definePrimitive({ name: "neg", impl: ([a]) => k.neg(a!), jvp: negRules, vjp: negRules });

/** 1/a; d(1/a) = −da/a² = −y²·da. */
export const reciprocal = unary("reciprocal", k.reciprocal, (_x, y) => y.square().neg());

/** eᵃ; d eᵃ = eᵃ·da. */
export const exp = unary("exp", k.exp, (_x, y) => y);

/** log a; d log a = da/a. */
export const log = unary("log", k.log, (x) => x.reciprocal());

/** log(1+a); d = da/(1+a). */
export const log1p = unary("log1p", k.log1p, (x) => x.add(1).reciprocal());

/** √a; d√a = da/(2√a). */
export const sqrt = unary("sqrt", k.sqrt, (_x, y) => y.mul(2).reciprocal());

/** a²; d a² = 2a·da. */
export const square = unary("square", k.square, (x) => x.mul(2));

/** aᵖ for a constant exponent p; d aᵖ = p·aᵖ⁻¹·da. */
export const pow = unary<{ readonly exponent: number }>(
  "pow",
  (a, { exponent }) => k.pow(a, exponent),
  (x, _y, { exponent }) => x.pow(exponent - 1).mul(exponent),
);
