/** @file selection primitives: where (differentiable in its branches) and the masks that feed it */
import * as k from "../../kernels/elementwise.js";
import { definePrimitive, type Rules } from "../primitive.js";

// Elementwise, so the same rules serve jvp and vjp: the seed passes where its branch was taken.
const whereRules: Rules<undefined> = [null, (s, [c]) => c!.where(s, s.zerosLike()), (s, [c]) => c!.where(s.zerosLike(), s)];

/** cond ? a : b elementwise; cond carries no derivative. */
export const where = definePrimitive({ name: "where", impl: ([c, a, b]) => k.where(c!, a!, b!), jvp: whereRules, vjp: whereRules });

/** 1 where a > b, 0 where a ≤ b, NaN if either is NaN. Not differentiable (a mask). */
export const greater = definePrimitive({ name: "greater", impl: ([a, b]) => k.greater(a!, b!) });

/** 1 where a = b, else 0. Not differentiable (a mask). */
export const equal = definePrimitive({ name: "equal", impl: ([a, b]) => k.equal(a!, b!) });

/** −1, 0 or 1. Not differentiable (zero derivative almost everywhere). */
export const sign = definePrimitive({ name: "sign", impl: ([a]) => k.sign(a!) });
