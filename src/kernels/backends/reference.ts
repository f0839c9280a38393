/** @file the reference GEMM backend: the textbook triple loop, the oracle the fast backends are tested against */
import type { GemmBackend, GemmCall } from "./backend.js";
import { portableLayerSteps } from "./portableLayerSteps.js";

/** C ← α·op(A)·op(B) + β·C by the definition, in float64 (slow; tests only), with the portable layer steps. */
export const referenceBackend: GemmBackend = {
  name: "reference",
  threads: 1,
  gemm({ transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc }: GemmCall): void {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += (transA ? a[p * lda + i]! : a[i * lda + p]!) * (transB ? b[j * ldb + p]! : b[p * ldb + j]!);
        c[i * ldc + j] = beta === 0 ? alpha * s : alpha * s + beta * c[i * ldc + j]!;
      }
    }
  },
  ...portableLayerSteps,
};
