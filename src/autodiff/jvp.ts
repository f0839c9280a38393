/** @file forward mode: the jvp tracer (a primal and its tangent), how a primitive pushes tangents, and jvp */
import { ruleFor, type Primitive } from "./primitive.js";
import { Tracer, type Tensor } from "./tensor.js";
import { checkLike, withTrace, type TensorFn, type Trace } from "./trace.js";

/** A tracer of a forward-mode trace: a primal and its tangent (null = symbolic zero). */
class JvpTracer extends Tracer {
  constructor(
    level: number,
    primal: Tensor,
    readonly tangent: Tensor | null,
  ) {
    super(level, primal);
  }
}

/** The forward-mode trace at `level`: the output tangent is the sum of each input tangent through its jvp rule. */
function jvpTrace(level: number): Trace {
  return {
    process<P>(prim: Primitive<P>, inputs: readonly Tensor[], primals: readonly Tensor[], out: Tensor, params: P): Tensor {
      let tangent: Tensor | null = null;
      for (const [i, x] of inputs.entries()) {
        if (!(x instanceof JvpTracer) || x.level !== level || x.tangent === null) continue;
        const rule = ruleFor(prim.jvp, i);
        if (rule === null) continue;
        const t = rule(x.tangent, primals, out, params);
        tangent = tangent === null ? t : tangent.add(t);
      }
      return tangent === null ? out : new JvpTracer(level, out, tangent);
    },
  };
}

/**
 * Forward mode: f(primals) and its directional derivative J·tangents, in one pass.
 * Returns [value, tangent].
 */
export function jvp(f: TensorFn, primals: readonly Tensor[], tangents: readonly Tensor[]): [Tensor, Tensor] {
  if (primals.length !== tangents.length) {
    throw new Error(`jvp: ${primals.length} primals but ${tangents.length} tangents`);
  }
  primals.forEach((p, i) => checkLike("jvp", `tangent ${i}`, p, tangents[i]!));
  return withTrace(jvpTrace, (level) => {
    const out = f(...primals.map((p, i) => new JvpTracer(level, p, tangents[i]!)));
    if (out instanceof JvpTracer && out.level === level) return [out.primal, out.tangent ?? out.primal.zerosLike()];
    return [out, out.zerosLike()];
  });
}
