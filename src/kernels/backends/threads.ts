/** @file how many threads a product may use on this Node process */

/**
 * HESSIAN_LAB_THREADS when it is a positive integer (at most 64), else 2: the benchmark machine's
 * cores — more threads than cores only contend.
 */
export function requestedThreads(): number {
  const requested = Number(process.env.HESSIAN_LAB_THREADS ?? "2");
  return Number.isInteger(requested) && requested >= 1 ? Math.min(requested, 64) : 2;
}
