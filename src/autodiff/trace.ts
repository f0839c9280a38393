/** @file trace levels: each jvp/vjp opens a trace with a fresh, increasing level, and bind asks the highest one */
import * as k from "../kernels/index.js";
import type { Primitive } from "./primitive.js";
import type { Tensor } from "./tensor.js";

/** A function of tensors to one tensor. */
export type TensorFn = (...args: Tensor[]) => Tensor;

/**
 * What one transformation does with a primitive applied at its level (JAX's `Trace.process_primitive`).
 * `inputs` are the operands as given (tracers of this level among them), `primals` their values at
 * the level below, and `out` the primitive already applied to those; the result carries `out` up
 * with this trace's derivative bookkeeping (a tangent, a tape node).
 */
export interface Trace {
  process<P>(prim: Primitive<P>, inputs: readonly Tensor[], primals: readonly Tensor[], out: Tensor, params: P): Tensor;
}

// An op dispatches to the highest level among its inputs, treating lower-level values as constants:
// that ordering is what keeps nested derivatives free of perturbation confusion.
const activeTraces = new Map<number, Trace>();
let nextLevel = 1;

/** Opens the trace `open(level)` at a fresh level, runs `body` with it, and closes it again even if `body` throws. */
export function withTrace<T>(open: (level: number) => Trace, body: (level: number) => T): T {
  const level = nextLevel++;
  activeTraces.set(level, open(level));
  try {
    return body(level);
  } finally {
    activeTraces.delete(level);
  }
}

/** The trace open at `level`, or undefined once its transformation has returned. */
export function activeTrace(level: number): Trace | undefined {
  return activeTraces.get(level);
}

/** Throws a ShapeError unless `b` (a tangent or cotangent entering a trace) has `a`'s dtype and shape. */
export function checkLike(op: string, what: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype || !k.sameShape(a.shape, b.shape)) {
    throw new k.ShapeError(
      `${op}: ${what} ${b.dtype} ${k.formatShape(b.shape)} does not match ${a.dtype} ${k.formatShape(a.shape)}`,
    );
  }
}
