/** @file matrix products of 2-D arrays, with optionally transposed operands, cache-blocked */
import { allocate, checkSameDType, formatShape, ShapeError, type NDArray } from "./ndarray.js";
import { transpose } from "./movement.js";

/** Which operands enter the product transposed: C = op(A)·op(B). */
export interface MatmulOptions {
  readonly transA?: boolean;
  readonly transB?: boolean;
}

// Block sizes: a KC×NC panel of B (float64: 128·512·8 B = 512 KiB) stays in L2 while rows of A stream.
const KC = 128;
const NC = 512;

/**
 * C = op(A)·op(B) for 2-D arrays. Transposed operands are materialized first (O(n²), cheap next to
 * the O(n³) product) so one row-major kernel serves all four cases.
 */
export function matmul(a: NDArray, b: NDArray, options: MatmulOptions = {}): NDArray {
  checkSameDType("matmul", a, b);
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    throw new ShapeError(`matmul: operands must be 2-D, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  const left = options.transA === true ? transpose(a) : a;
  const right = options.transB === true ? transpose(b) : b;
  const [m, k] = left.shape as [number, number];
  const [k2, n] = right.shape as [number, number];
  if (k !== k2) {
    throw new ShapeError(
      `matmul: inner dimensions differ: ${formatShape(left.shape)} · ${formatShape(right.shape)}` +
        (options.transA === true || options.transB === true ? " (after transposition)" : ""),
    );
  }
  const out = allocate(a.dtype, m * n);
  if (a.dtype === "float64") gemmRowMajor(left.data, right.data, out, m, k, n);
  else {
    // accumulate float32 products in float64 and round once: more accurate, and no slower in JS
    const acc = new Float64Array(m * n);
    gemmRowMajor(left.data, right.data, acc, m, k, n);
    out.set(acc);
  }
  return { shape: [m, n], dtype: a.dtype, data: out };
}

/** c += a·b for row-major a [m,k], b [k,n], c [m,n]; four rows of c share each loaded row of b. */
function gemmRowMajor(
  a: Float32Array | Float64Array,
  b: Float32Array | Float64Array,
  c: Float32Array | Float64Array,
  m: number,
  k: number,
  n: number,
): void {
  for (let j0 = 0; j0 < n; j0 += NC) {
    const j1 = Math.min(n, j0 + NC);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const p1 = Math.min(k, p0 + KC);
      let i = 0;
      for (; i + 3 < m; i += 4) {
        const r0 = i * n;
        const r1 = r0 + n;
        const r2 = r1 + n;
        const r3 = r2 + n;
        for (let p = p0; p < p1; p++) {
          const a0 = a[i * k + p]!;
          const a1 = a[(i + 1) * k + p]!;
          const a2 = a[(i + 2) * k + p]!;
          const a3 = a[(i + 3) * k + p]!;
          const bp = p * n;
          for (let j = j0; j < j1; j++) {
            const bv = b[bp + j]!;
            c[r0 + j]! += a0 * bv;
            c[r1 + j]! += a1 * bv;
            c[r2 + j]! += a2 * bv;
            c[r3 + j]! += a3 * bv;
          }
        }
      }
      for (; i < m; i++) {
        const r = i * n;
        for (let p = p0; p < p1; p++) {
          const av = a[i * k + p]!;
          const bp = p * n;
          for (let j = j0; j < j1; j++) c[r + j]! += av * b[bp + j]!;
        }
      }
    }
  }
}
