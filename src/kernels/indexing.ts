/** @file multi-index ↔ flat offset for row-major arrays: what naive reference loops in tests walk with */
import type { NDArray } from "./ndarray.js";

/** The multi-index of a flat row-major offset in a shape. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return idx;
}

/** The element of an array at a multi-index. */
export function at(a: NDArray, idx: readonly number[]): number {
  let flat = 0;
  for (let d = 0; d < a.shape.length; d++) flat = flat * a.shape[d]! + idx[d]!;
  return a.data[flat]!;
}
