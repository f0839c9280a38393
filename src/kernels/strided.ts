/** @file the one odometer every movement and reduction kernel walks: output rows over strided input */

/**
 * Calls `row(outStart, inStart, innerLength, innerStride)` once per run of the last dimension of
 * `shape`, where the input offset of element idx is `inOffset + Σ idx[d]·inStrides[d]`. Output
 * offsets are row-major over `shape`. Per-row callbacks keep the inner loop tight in the caller.
 */
export function walkRows(
  shape: readonly number[],
  inStrides: readonly number[],
  inOffset: number,
  row: (outStart: number, inStart: number, innerLength: number, innerStride: number) => void,
): void {
  const rank = shape.length;
  if (rank === 0) {
    row(0, inOffset, 1, 0);
    return;
  }
  for (const d of shape) if (d === 0) return;
  const inner = shape[rank - 1]!;
  const innerStride = inStrides[rank - 1]!;
  const counter = new Array<number>(rank).fill(0);
  let inPos = inOffset;
  let outPos = 0;
  for (;;) {
    row(outPos, inPos, inner, innerStride);
    outPos += inner;
    // advance the odometer over the outer dimensions
    let d = rank - 2;
    for (; d >= 0; d--) {
      counter[d]!++;
      inPos += inStrides[d]!;
      if (counter[d]! < shape[d]!) break;
      inPos -= inStrides[d]! * shape[d]!;
      counter[d] = 0;
    }
    if (d < 0) return;
  }
}
