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

/** Looks up the rule for input `index`. */
export function ruleFor<P>(rules: Rules<P> | undefined, index: number): Rule<P> | null {
  if (rules === undefined) return null;
  return typeof rules === "function" ? rules(index) : (rules[index] ?? null);
}
