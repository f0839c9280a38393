/** @file WebAssembly SIMD logistic kernels (float32): the sigmoid layer epilogue σ, σ', σ'' and sigmoid cross-entropy, on a polynomial exp */
import { advance, at as address, countDown, f32x4, I32, op, uleb, V128, vec, vectorLatch } from "./wasmEmit.js";

// JavaScript's Math.exp costs ~12 ns an element, which made the logistic layers of the MNIST
// autoencoder (4.3 M units per batch of 1000) cost more than half its GEMM time on the portable
// backend. Here e^a (a = −|z|) = 2^k·e^r with k = round(a·log₂e) ≥ −126 and r = a − k·ln 2 ∈
// [−0.35, 0.35] by Cody–Waite's two-part ln 2 (computing a·log₂e directly would lose its rounding
// error times |a|), e^r by its degree-7 Taylor polynomial (truncation < 6e-9, below float32's
// rounding), and 2^k built in the exponent bits. Then, exactly as the TypeScript path does:
//   q = 1/(1+e), σ(−|z|) = e·q, σ(z) = z ≥ 0 ? q : e·q, σ' = q·e·q, σ'' = σ'·(σ(−z) − σ(z)).
// Below a = −126·ln 2 (|z| > 87.3) e is held near 2^−126 instead of going subnormal: σ there differs
// from the exact value by less than 1.2e-38.

/** Taylor coefficients of e^r, highest first (r⁷ … r¹); the constant term 1 follows. */
const EXP_TAYLOR = [7, 6, 5, 4, 3, 2, 1].map((n) => 1 / [1, 1, 2, 6, 24, 120, 720, 5040][n]!);
/** ln 2 = LN2_HI + LN2_LO with LN2_HI's 9 significant bits, so k·LN2_HI is exact for |k| ≤ 126. */
const LN2_HI = 0.693359375;
const LN2_LO = Math.LN2 - LN2_HI;

/**
 * Code leaving e^(−|x|) in local `e`, for x in local `x`, using `t`, `r`, `k` as scratch:
 * a = max(−|x|, −126·ln 2); k = round(a·log₂e); r = a − k·ln 2 in two parts (Cody–Waite);
 * e = poly(r)·2^k with 2^k = (k + 127) << 23 as float bits.
 */
function expOfMinusAbs(x: number, e: number, t: number, r: number, k: number): number[] {
  const get = op.localGet;
  const set = op.localSet;
  const code = [
    ...get(x), ...f32x4.abs, ...f32x4.neg, ...f32x4.splatConst(-126 * Math.LN2), ...f32x4.max, ...set(t),
    ...get(t), ...f32x4.splatConst(Math.LOG2E), ...f32x4.mul, ...f32x4.nearest, ...set(k),
    ...get(t), ...get(k), ...f32x4.splatConst(LN2_HI), ...f32x4.mul, ...f32x4.sub, ...get(k), ...f32x4.splatConst(LN2_LO), ...f32x4.mul, ...f32x4.sub, ...set(r),
    ...f32x4.splatConst(EXP_TAYLOR[0]!),
  ];
  for (const coef of [...EXP_TAYLOR.slice(1), 1]) code.push(...get(r), ...f32x4.mul, ...f32x4.splatConst(coef), ...f32x4.add);
  code.push(...get(k), ...f32x4.truncSatToI32, ...f32x4.i32Const(127), ...f32x4.i32Add, ...op.i32Const(23), ...f32x4.i32Shl, ...f32x4.mul, ...set(e));
  return code;
}

/** 2/(2j+1) for j = 8 … 1: log(1+e) = 2·atanh(s) = s·(2 + w·(2/3 + w·(2/5 + …))), s = e/(2+e), w = s². */
const ATANH_SERIES = [8, 7, 6, 5, 4, 3, 2, 1].map((j) => 2 / (2 * j + 1));

/**
 * sigmoidCe32(y, t, grad, hdiag, sums, vectors): over 4·vectors float32 logits y and targets t,
 * the terms softplus(y) − t·y = (max(y, 0) − t·y) + log1p(e^(−|y|)) are added in float64 to the four
 * doubles at `sums` (one per lane, so the total rounds once per element), grad ← σ(y) − t and,
 * when hdiag ≠ 0, hdiag ← σ(y)σ(−y). log1p(e) for e ∈ (0, 1] is 2·atanh(e/(2+e)): s ≤ ⅓, so nine
 * terms of the odd series reach 2e-9 with no cancellation at small e.
 */
export function sigmoidCrossEntropyBody(): number[] {
  const [Y, T, GRAD, HDIAG, SUMS, VECTORS] = [0, 1, 2, 3, 4, 5];
  const J = 6;
  const [YV, E, SC, R, K, Q, SNEG, S, LO, HI] = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
  const get = op.localGet;
  const set = op.localSet;
  const at = (base: number): number[] => address(base, J);
  const code: number[] = [...get(SUMS), ...f32x4.load(), ...set(LO), ...get(SUMS), ...f32x4.load(16), ...set(HI)];
  code.push(...op.i32Const(0), ...set(J), ...op.loop);
  code.push(...at(Y), ...f32x4.load(), ...set(YV));
  code.push(...expOfMinusAbs(YV, E, SC, R, K));
  code.push(...f32x4.splatConst(1), ...f32x4.splatConst(1), ...get(E), ...f32x4.add, ...f32x4.div, ...set(Q));
  code.push(...get(E), ...get(Q), ...f32x4.mul, ...set(SNEG));
  code.push(...at(GRAD), ...get(Q), ...get(SNEG), ...get(YV), ...f32x4.splatConst(0), ...f32x4.ge, ...f32x4.bitselect, ...at(T), ...f32x4.load(), ...f32x4.sub, ...f32x4.store());
  code.push(...get(HDIAG), ...op.if, ...at(HDIAG), ...get(Q), ...get(SNEG), ...f32x4.mul, ...f32x4.store(), ...op.end);
  // s = e/(2 + e), w = s²; log1p(e) = s·poly(w)
  code.push(...get(E), ...f32x4.splatConst(2), ...get(E), ...f32x4.add, ...f32x4.div, ...set(S));
  code.push(...get(S), ...get(S), ...f32x4.mul, ...set(R));
  code.push(...f32x4.splatConst(ATANH_SERIES[0]!));
  for (const coef of [...ATANH_SERIES.slice(1), 2]) code.push(...get(R), ...f32x4.mul, ...f32x4.splatConst(coef), ...f32x4.add);
  code.push(...get(S), ...f32x4.mul, ...set(S));
  // term = (max(y, 0) − t·y) + log1p(e), the bracket first: it is exactly 0 when a 0/1 target matches
  // the logit's sign, so a tiny loss is not cancelled away in float32 (17 + 4e-8 − 17 = 0); then
  // added lane by lane to the float64 sums
  code.push(...get(YV), ...f32x4.splatConst(0), ...f32x4.max, ...at(T), ...f32x4.load(), ...get(YV), ...f32x4.mul, ...f32x4.sub, ...get(S), ...f32x4.add, ...set(S));
  code.push(...get(LO), ...get(S), ...f32x4.promoteLow, ...f32x4.f64x2Add, ...set(LO));
  code.push(...get(HI), ...get(S), ...get(S), ...f32x4.highToLow, ...f32x4.promoteLow, ...f32x4.f64x2Add, ...set(HI));
  code.push(...vectorLatch(J, [...get(VECTORS), ...op.i32Const(4), ...op.i32Shl]), ...op.end);
  code.push(...get(SUMS), ...get(LO), ...f32x4.store(), ...get(SUMS), ...get(HI), ...f32x4.store(16));
  code.push(...op.end);
  const body = [...vec([[...uleb(1), I32], [...uleb(10), V128]]), ...code];
  return [...uleb(body.length), ...body];
}

/**
 * sigmoid32(c, bias, d1, d2, rows, rowBytes): over rows × (rowBytes/4) float32s at byte addresses,
 * rows padded to a multiple of 4 floats: z = c + bias; c ← σ(z), d1 ← σ'(z), and d2 ← σ''(z) when
 * d2 ≠ 0. The bias row is shared by every row. rows ≥ 1, rowBytes ≥ 16.
 */
export function sigmoidBody(): number[] {
  const [C, BIAS, D1, D2, ROWS, ROW_BYTES] = [0, 1, 2, 3, 4, 5];
  const J = 6;
  const [Z, E, Q, SNEG, MASK, T, P, SLOPE] = [7, 8, 9, 10, 11, 12, 13, 14];
  // T, P and SLOPE are the exp's scratch until σ' is formed
  const get = op.localGet;
  const set = op.localSet;
  const at = (base: number): number[] => address(base, J);
  const code: number[] = [];
  code.push(...op.loop); // rows
  code.push(...op.i32Const(0), ...set(J));
  code.push(...op.loop); // 4 columns at a time
  code.push(...at(C), ...f32x4.load(), ...at(BIAS), ...f32x4.load(), ...f32x4.add, ...set(Z));
  code.push(...expOfMinusAbs(Z, E, T, P, SLOPE));
  // q = 1/(1 + e), σ(−|z|) = e·q, σ' = q·σ(−|z|)
  code.push(...f32x4.splatConst(1), ...f32x4.splatConst(1), ...get(E), ...f32x4.add, ...f32x4.div, ...set(Q));
  code.push(...get(E), ...get(Q), ...f32x4.mul, ...set(SNEG));
  code.push(...get(Q), ...get(SNEG), ...f32x4.mul, ...set(SLOPE));
  code.push(...get(Z), ...f32x4.splatConst(0), ...f32x4.ge, ...set(MASK));
  code.push(...at(C), ...get(Q), ...get(SNEG), ...get(MASK), ...f32x4.bitselect, ...f32x4.store());
  code.push(...at(D1), ...get(SLOPE), ...f32x4.store());
  // σ'' = σ'·(σ(−z) − σ(z)): (σ(−|z|) − q) for z ≥ 0, (q − σ(−|z|)) otherwise
  code.push(...get(D2), ...op.if);
  code.push(...at(D2), ...get(SLOPE), ...get(SNEG), ...get(Q), ...f32x4.sub, ...get(Q), ...get(SNEG), ...f32x4.sub, ...get(MASK), ...f32x4.bitselect, ...f32x4.mul, ...f32x4.store());
  code.push(...op.end);
  code.push(...vectorLatch(J, get(ROW_BYTES)), ...op.end);
  // next row (d2 advances only when given)
  code.push(...advance(ROW_BYTES, [C, D1], [D2]));
  code.push(...countDown(ROWS), ...op.end);
  code.push(...op.end);
  const body = [...vec([[...uleb(1), I32], [...uleb(8), V128]]), ...code];
  return [...uleb(body.length), ...body];
}
