/** @file the portable GEMM backend: packed panels and a 4×4 register-blocked kernel in plain TypeScript */
import type { GemmBackend, GemmCall } from "./backend.js";
import { portableLayerSteps } from "./portableLayerSteps.js";

// Goto/BLIS blocking: a KC×NC panel of B and an MC×KC block of A are packed into float64 scratch
// (which also converts float32 once instead of per use), so the inner kernel walks both
// contiguously. 4×4 tiles keep 16 accumulators in locals — about what V8's register allocator
// holds without spilling on x64 — and read 8 numbers per 16 multiply-adds instead of the 2 loads
// + 1 store per multiply-add of a kernel that updates C in memory.
const MR = 4;
const NR = 4;
const KC = 256;
const MC = 64;
const NC = 1024;

let packA = new Float64Array(MC * KC);
let packB = new Float64Array(KC * NC);

/** Packs op(A)[i0:i0+mc, p0:p0+kc] as MR-row strips, k-major inside a strip, zero-padded. */
function packBlockA(call: GemmCall, i0: number, mc: number, p0: number, kc: number): void {
  const { a, lda, transA } = call;
  for (let is = 0; is < mc; is += MR) {
    const rows = Math.min(MR, mc - is);
    const base = is * kc;
    for (let r = 0; r < MR; r++) {
      const i = i0 + is + r;
      if (r >= rows) {
        for (let p = 0; p < kc; p++) packA[base + p * MR + r] = 0;
      } else if (transA) {
        for (let p = 0; p < kc; p++) packA[base + p * MR + r] = a[(p0 + p) * lda + i]!;
      } else {
        const row = i * lda + p0;
        for (let p = 0; p < kc; p++) packA[base + p * MR + r] = a[row + p]!;
      }
    }
  }
}

/** Packs op(B)[p0:p0+kc, j0:j0+nc] as NR-column strips, k-major inside a strip, zero-padded. */
function packPanelB(call: GemmCall, p0: number, kc: number, j0: number, nc: number): void {
  const { b, ldb, transB } = call;
  for (let js = 0; js < nc; js += NR) {
    const cols = Math.min(NR, nc - js);
    const base = js * kc;
    for (let c = 0; c < NR; c++) {
      const j = j0 + js + c;
      if (c >= cols) {
        for (let p = 0; p < kc; p++) packB[base + p * NR + c] = 0;
      } else if (transB) {
        const row = j * ldb + p0;
        for (let p = 0; p < kc; p++) packB[base + p * NR + c] = b[row + p]!;
      } else {
        for (let p = 0; p < kc; p++) packB[base + p * NR + c] = b[(p0 + p) * ldb + j]!;
      }
    }
  }
}

/** One MR×NR tile: C[i, j] ← α·Σ_p Ap·Bp + β·C[i, j] over the valid rows×cols (β = 0: C not read). */
function tile(
  kc: number,
  aOff: number,
  bOff: number,
  call: GemmCall,
  cOff: number,
  rows: number,
  cols: number,
  beta: number,
): void {
  const A = packA;
  const B = packB;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  let pa = aOff;
  let pb = bOff;
  for (let p = 0; p < kc; p++, pa += 4, pb += 4) {
    const a0 = A[pa]!, a1 = A[pa + 1]!, a2 = A[pa + 2]!, a3 = A[pa + 3]!;
    const b0 = B[pb]!, b1 = B[pb + 1]!, b2 = B[pb + 2]!, b3 = B[pb + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  const { c, ldc, alpha } = call;
  if (rows === 4 && cols === 4 && beta === 0) {
    // the common full tile, stored without going through an array
    let o = cOff;
    c[o] = alpha * c00; c[o + 1] = alpha * c01; c[o + 2] = alpha * c02; c[o + 3] = alpha * c03; o += ldc;
    c[o] = alpha * c10; c[o + 1] = alpha * c11; c[o + 2] = alpha * c12; c[o + 3] = alpha * c13; o += ldc;
    c[o] = alpha * c20; c[o + 1] = alpha * c21; c[o + 2] = alpha * c22; c[o + 3] = alpha * c23; o += ldc;
    c[o] = alpha * c30; c[o + 1] = alpha * c31; c[o + 2] = alpha * c32; c[o + 3] = alpha * c33;
    return;
  }
  if (rows === 4 && cols === 4) {
    let o = cOff;
    c[o] = alpha * c00 + beta * c[o]!; c[o + 1] = alpha * c01 + beta * c[o + 1]!; c[o + 2] = alpha * c02 + beta * c[o + 2]!; c[o + 3] = alpha * c03 + beta * c[o + 3]!; o += ldc;
    c[o] = alpha * c10 + beta * c[o]!; c[o + 1] = alpha * c11 + beta * c[o + 1]!; c[o + 2] = alpha * c12 + beta * c[o + 2]!; c[o + 3] = alpha * c13 + beta * c[o + 3]!; o += ldc;
    c[o] = alpha * c20 + beta * c[o]!; c[o + 1] = alpha * c21 + beta * c[o + 1]!; c[o + 2] = alpha * c22 + beta * c[o + 2]!; c[o + 3] = alpha * c23 + beta * c[o + 3]!; o += ldc;
    c[o] = alpha * c30 + beta * c[o]!; c[o + 1] = alpha * c31 + beta * c[o + 1]!; c[o + 2] = alpha * c32 + beta * c[o + 2]!; c[o + 3] = alpha * c33 + beta * c[o + 3]!;
    return;
  }
  const acc = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < rows; r++) {
    const row = cOff + r * ldc;
    for (let q = 0; q < cols; q++) {
      const v = alpha * acc[r * 4 + q]!;
      c[row + q] = beta === 0 ? v : v + beta * c[row + q]!;
    }
  }
}

/** C ← α·op(A)·op(B) + β·C by Goto's loop nest (jc, pc, ic, jr, ir) over packed panels. */
function gemmPortable(call: GemmCall): void {
  const { m, n, k, c, ldc } = call;
  if (k === 0 || call.alpha === 0) {
    // nothing to accumulate: C ← β·C, with β = 0 clearing C without reading it
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) c[i * ldc + j] = call.beta === 0 ? 0 : call.beta * c[i * ldc + j]!;
    }
    return;
  }
  if (packA.length < MC * KC) packA = new Float64Array(MC * KC);
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      const need = kc * Math.ceil(nc / NR) * NR;
      if (packB.length < need) packB = new Float64Array(need);
      packPanelB(call, p0, kc, j0, nc);
      // the first k-block applies the caller's β; later ones accumulate onto it
      const beta = p0 === 0 ? call.beta : 1;
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        packBlockA(call, i0, mc, p0, kc);
        for (let js = 0; js < nc; js += NR) {
          const cols = Math.min(NR, nc - js);
          for (let is = 0; is < mc; is += MR) {
            tile(kc, is * kc, js * kc, call, (i0 + is) * ldc + j0 + js, Math.min(MR, mc - is), cols, beta);
          }
        }
      }
    }
  }
}

/** The portable backend: plain TypeScript, one thread, float64 accumulation for both dtypes. */
export const portableBackend: GemmBackend = {
  name: "portable-ts",
  threads: 1,
  gemm: gemmPortable,
  ...portableLayerSteps,
};
