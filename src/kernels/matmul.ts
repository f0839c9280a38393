/** @file matrix products of 2-D arrays, with optionally transposed operands, on the active GEMM backend */
import { allocate, checkSameDType, formatShape, ShapeError, type NDArray } from "./ndarray.js";
import { gemm } from "./backends/backend.js";

/** Which operands enter the product transposed: C = op(A)·op(B). */
export interface MatmulOptions {
  readonly transA?: boolean;
  readonly transB?: boolean;
}

/**
 * C = op(A)·op(B) for 2-D arrays, on the active backend (kernels/backends): transposition is a
 * stride choice inside the backend's packing, so no transposed copy is made. The portable backend
 * accumulates float32 in float64; native ones accumulate in the element type, as BLAS does.
 */
export function matmul(a: NDArray, b: NDArray, options: MatmulOptions = {}): NDArray {
  checkSameDType("matmul", a, b);
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    throw new ShapeError(`matmul: operands must be 2-D, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  const transA = options.transA === true;
  const transB = options.transB === true;
  const [m, k] = (transA ? [a.shape[1], a.shape[0]] : a.shape) as [number, number];
  const [k2, n] = (transB ? [b.shape[1], b.shape[0]] : b.shape) as [number, number];
  if (k !== k2) {
    throw new ShapeError(
      // the shapes as the caller passed them, ᵀ marking a transposed operand
      `matmul: inner dimensions differ: ${formatShape(a.shape)}${options.transA === true ? "ᵀ" : ""} · ` +
        `${formatShape(b.shape)}${options.transB === true ? "ᵀ" : ""}`,
    );
  }
  const out = allocate(a.dtype, m * n);
  gemm({ transA, transB, m, n, k, alpha: 1, a: a.data, lda: a.shape[1]!, b: b.data, ldb: b.shape[1]!, beta: 0, c: out, ldc: n });
  return { shape: [m, n], dtype: a.dtype, data: out };
}
