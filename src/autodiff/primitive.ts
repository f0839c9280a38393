/** @file what a primitive is: a forward kernel plus, per input, a jvp and a vjp rule in Tensor ops */
import type { NDArray } from "../kernels/ndarray.js";
import type { Tensor } from "./tensor.js";

/**
 * A derivative rule for one input. For jvp, `seed` is that input's tangent and the result is its
 * contribution to the output tangent; for vjp, `seed` is the output cotangent and the result is
 * that input's cotangent. Rules use Tensor ops only, so they are differentiated again when nested.
 */
export type Rule<P> = (seed: Tensor, inputs: readonly Tensor[], output: Tensor, params: P) => Tensor;

/** Per-input rules, or one function from the input index (for n-ary primitives such as concat). */
export type Rules<P> = readonly (Rule<P> | null)[] | ((index: number) => Rule<P> | null);

/**
 * One primitive operation. `jvp`/`vjp` are absent for non-differentiable primitives (comparisons,
 * masks): their outputs carry no derivative, like a stop-gradient.
 */
export interface Primitive<P> {
  readonly name: string;
  readonly impl: (inputs: readonly NDArray[], params: P) => NDArray;
  readonly jvp?: Rules<P>;
  readonly vjp?: Rules<P>;
}

/** Identity helper that fixes a primitive's parameter type; the name is what errors report. */
export function definePrimitive<P = undefined>(primitive: Primitive<P>): Primitive<P> {
  return primitive;
}

/**
 * An elementwise primitive of one input, from its kernel and its derivative f′ (given the input x,
 * the output y = f(x) and the params). An elementwise Jacobian is diag f′(x), its own transpose, so
 * the jvp rule ṫ ↦ f′·ṫ and the vjp rule ḡ ↦ f′·ḡ are one product, written here once.
 */
export function unary<P = undefined>(
  name: string,
  impl: (a: NDArray, params: P) => NDArray,
  derivative: (x: Tensor, y: Tensor, params: P) => Tensor,
): Primitive<P> {
  const rule: Rule<P> = (seed, [x], y, params) => seed.mul(derivative(x!, y, params));
  return { name, impl: ([a], params) => impl(a!, params), jvp: [rule], vjp: [rule] };
}

/** Looks up the rule for input `index`. */
export function ruleFor<P>(rules: Rules<P> | undefined, index: number): Rule<P> | null {
  if (rules === undefined) return null;
  return typeof rules === "function" ? rules(index) : (rules[index] ?? null);
}
