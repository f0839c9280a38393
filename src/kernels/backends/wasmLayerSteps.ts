/** @file WebAssembly SIMD kernels (float32) for the elementwise steps of the fused backward and R-forward passes */
import { advance, at as address, countDown, f32x4, I32, op, uleb, V128, vec, vectorLatch } from "./wasmEmit.js";

// Both walk rows × rowBytes of float32 matrices staged with rows padded to whole vectors; a
// pointer of 0 means "not given". The loops mirror backwardStep and rForwardStep in portableLayerSteps.ts.

const get = op.localGet;
const set = op.localSet;

/**
 * backward32(g, d1, rg, d2, acc, rows, rowBytes):
 *   without rg: g ← g⊙d1, acc += Σ_rows g;
 *   with rg:    rg ← rg⊙d1 (+ g⊙d2 when d2 ≠ 0), g ← g⊙d1, acc += Σ_rows rg.
 * acc holds one float64 per column (2·rowBytes bytes), so float32 bias gradients round once.
 */
export function backwardBody(): number[] {
  const [G, D1, RG, D2, ACC, ROWS, ROW_BYTES] = [0, 1, 2, 3, 4, 5, 6];
  const [J, A2] = [7, 8];
  const [GV, SUM] = [9, 10];
  const at = (base: number): number[] => address(base, J);
  const code: number[] = [...op.loop, ...op.i32Const(0), ...set(J), ...op.loop];
  code.push(...at(G), ...f32x4.load(), ...set(GV));
  code.push(...get(RG), ...op.if);
  // SUM ← rg⊙d1 (+ g⊙d2)
  code.push(...at(RG), ...f32x4.load(), ...at(D1), ...f32x4.load(), ...f32x4.mul, ...set(SUM));
  code.push(...get(D2), ...op.if, ...get(SUM), ...get(GV), ...at(D2), ...f32x4.load(), ...f32x4.mul, ...f32x4.add, ...set(SUM), ...op.end);
  code.push(...at(RG), ...get(SUM), ...f32x4.store());
  code.push(...at(G), ...get(GV), ...at(D1), ...f32x4.load(), ...f32x4.mul, ...f32x4.store());
  code.push(0x05 /* else */);
  code.push(...get(GV), ...at(D1), ...f32x4.load(), ...f32x4.mul, ...set(SUM));
  code.push(...at(G), ...get(SUM), ...f32x4.store());
  code.push(...op.end);
  // acc[j/4 .. j/4+4) += SUM in float64: address acc + 2j
  code.push(...get(ACC), ...get(J), ...op.i32Const(1), ...op.i32Shl, ...op.i32Add, ...set(A2));
  code.push(...get(A2), ...get(A2), ...f32x4.load(), ...get(SUM), ...f32x4.promoteLow, ...f32x4.f64x2Add, ...f32x4.store());
  code.push(...get(A2), ...get(A2), ...f32x4.load(16), ...get(SUM), ...get(SUM), ...f32x4.highToLow, ...f32x4.promoteLow, ...f32x4.f64x2Add, ...f32x4.store(16));
  code.push(...vectorLatch(J, get(ROW_BYTES)), ...op.end);
  code.push(...advance(ROW_BYTES, [G, D1], [RG, D2]));
  code.push(...countDown(ROWS), ...op.end, ...op.end);
  const body = [...vec([[...uleb(2), I32], [...uleb(2), V128]]), ...code];
  return [...uleb(body.length), ...body];
}

/** rforward32(rz, vb, d1, d2, p2, rows, rowBytes): r = rz + vb (vb one row); p2 ← d2⊙r when d2 ≠ 0; rz ← d1⊙r. */
export function rForwardBody(): number[] {
  const [RZ, VB, D1, D2, P2, ROWS, ROW_BYTES] = [0, 1, 2, 3, 4, 5, 6];
  const J = 7;
  const R = 8;
  const at = (base: number): number[] => address(base, J);
  const code: number[] = [...op.loop, ...op.i32Const(0), ...set(J), ...op.loop];
  code.push(...at(RZ), ...f32x4.load(), ...at(VB), ...f32x4.load(), ...f32x4.add, ...set(R));
  code.push(...get(D2), ...op.if, ...at(P2), ...at(D2), ...f32x4.load(), ...get(R), ...f32x4.mul, ...f32x4.store(), ...op.end);
  code.push(...at(RZ), ...at(D1), ...f32x4.load(), ...get(R), ...f32x4.mul, ...f32x4.store());
  code.push(...vectorLatch(J, get(ROW_BYTES)), ...op.end);
  code.push(...advance(ROW_BYTES, [RZ, D1], [D2, P2]));
  code.push(...countDown(ROWS), ...op.end, ...op.end);
  const body = [...vec([[...uleb(1), I32], [...uleb(1), V128]]), ...code];
  return [...uleb(body.length), ...body];
}
