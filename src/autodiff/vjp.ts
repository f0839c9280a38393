/** @file reverse mode: the tape (nodes with pullbacks), the vjp tracer, backpropagation, and vjp */
import { ruleFor, type Primitive } from "./primitive.js";
import { Tracer, type Tensor } from "./tensor.js";
import { checkLike, withTrace, type TensorFn, type Trace } from "./trace.js";

/** A node of a reverse-mode tape: its parents (null = constant input) and its pullback. */
interface TapeNode {
  readonly id: number;
  readonly parents: readonly (TapeNode | null)[];
  /** Input cotangents from the output cotangent; null where an input needs none. */
  readonly pullback: ((cotangent: Tensor) => (Tensor | null)[]) | null;
}

// Ids only grow, so decreasing id is a valid reverse topological order of any tape.
let nextNodeId = 1;

/** A tracer of a reverse-mode trace: a primal and the tape node that produced it. */
class VjpTracer extends Tracer {
  constructor(
    level: number,
    primal: Tensor,
    readonly node: TapeNode,
  ) {
    super(level, primal);
  }
}

/** The reverse-mode trace at `level`: each primitive adds a node whose pullback applies the vjp rules. */
function vjpTrace(level: number): Trace {
  return {
    process<P>(prim: Primitive<P>, inputs: readonly Tensor[], primals: readonly Tensor[], out: Tensor, params: P): Tensor {
      const parents = inputs.map((x) => (x instanceof VjpTracer && x.level === level ? x.node : null));
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
      return new VjpTracer(level, out, node);
    },
  };
}

/**
 * Runs the tape backwards from `output` with cotangent `seed`, returning the cotangent of each
 * leaf in `leaves` (zeros where the output does not depend on it).
 */
function backpropagate(output: TapeNode, seed: Tensor, leaves: readonly TapeNode[], zeros: () => Tensor[]): Tensor[] {
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
      cotangents.set(parent.id, prev === undefined ? ct : prev.add(ct));
    });
  }
  const fallback = zeros();
  return leaves.map((leaf, i) => cotangents.get(leaf.id) ?? fallback[i]!);
}

/** The result of vjp: the value and a pullback from an output cotangent to input cotangents. */
export interface VjpResult {
  readonly value: Tensor;
  readonly pullback: (cotangent: Tensor) => Tensor[];
}

/** Reverse mode: f(primals) and a pullback ct ↦ (Jᵀct per input). The pullback may be called often. */
export function vjp(f: TensorFn, primals: readonly Tensor[]): VjpResult {
  const leaves = primals.map((): TapeNode => ({ id: nextNodeId++, parents: [], pullback: null }));
  const { out, level } = withTrace(vjpTrace, (lvl) => ({
    out: f(...primals.map((p, i) => new VjpTracer(lvl, p, leaves[i]!))),
    level: lvl,
  }));
  const node = out instanceof VjpTracer && out.level === level ? out.node : null;
  const value = out instanceof VjpTracer && out.level === level ? out.primal : out;
  const zeros = (): Tensor[] => primals.map((p) => p.zerosLike());
  return {
    value,
    pullback: (cotangent) => {
      checkLike("vjp", "cotangent", value, cotangent);
      return node === null ? zeros() : backpropagate(node, cotangent, leaves, zeros);
    },
  };
}
