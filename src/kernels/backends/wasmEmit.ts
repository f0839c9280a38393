/** @file encoding helpers for WebAssembly modules written byte by byte: LEB128, sections, the opcodes the kernels use */

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

export const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

export const op = {
  localGet: (i: number) => [0x20, ...uleb(i)],
  localSet: (i: number) => [0x21, ...uleb(i)],
  localTee: (i: number) => [0x22, ...uleb(i)],
  i32Const: (v: number) => [0x41, ...sleb(v)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  i32LtU: [0x49],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  simd: (code: number, ...imm: number[]) => [0xfd, ...uleb(code), ...imm],
};

/** local ← local + amount, for an i32 local and code leaving an i32. */
export function addTo(local: number, amount: number[]): number[] {
  return [...op.localGet(local), ...amount, ...op.i32Add, ...op.localSet(local)];
}

/** The latch of a counted do-while loop: local ← local − 1, back to the loop's start while it is not 0. */
export function countDown(local: number): number[] {
  return [...op.localGet(local), ...op.i32Const(1), ...op.i32Sub, ...op.localTee(local), ...op.brIf(0)];
}

/** The latch of a loop over 16-byte vectors: j ← j + 16, back to the loop's start while j < the byte count `limit` leaves. */
export function vectorLatch(j: number, limit: number[]): number[] {
  return [...op.localGet(j), ...op.i32Const(16), ...op.i32Add, ...op.localTee(j), ...limit, ...op.i32LtU, ...op.brIf(0)];
}

/** The address base + j, for i32 locals. */
export function at(base: number, j: number): number[] {
  return [...op.localGet(base), ...op.localGet(j), ...op.i32Add];
}

/** Advances each pointer local in `always` by the local `step`, and each in `optional` unless it is 0 (absent). */
export function advance(step: number, always: number[], optional: number[]): number[] {
  const code: number[] = [];
  for (const p of always) code.push(...addTo(p, op.localGet(step)));
  for (const p of optional) code.push(...op.localGet(p), ...op.if, ...addTo(p, op.localGet(step)), ...op.end);
  return code;
}

export const V128 = 0x7b;
export const I32 = 0x7f;

/** The f32x4 (and a few i32x4/f64x2) SIMD instructions the elementwise kernels use. */
export const f32x4 = {
  splatConst: (x: number): number[] => {
    const bytes = new Uint8Array(new Float32Array([x, x, x, x]).buffer);
    return op.simd(0x0c, ...bytes);
  },
  i32Const: (x: number): number[] => {
    const bytes = new Uint8Array(new Int32Array([x, x, x, x]).buffer);
    return op.simd(0x0c, ...bytes);
  },
  load: (offset = 0) => op.simd(0x00, 4, ...uleb(offset)),
  store: (offset = 0) => op.simd(0x0b, 4, ...uleb(offset)),
  abs: op.simd(0xe0),
  neg: op.simd(0xe1),
  add: op.simd(0xe4),
  sub: op.simd(0xe5),
  mul: op.simd(0xe6),
  div: op.simd(0xe7),
  max: op.simd(0xe9),
  nearest: op.simd(0x6a),
  ge: op.simd(0x46),
  bitselect: op.simd(0x52),
  truncSatToI32: op.simd(0xf8),
  i32Add: op.simd(0xae),
  i32Shl: op.simd(0xab),
  /** f64x2 from the low two lanes. */
  promoteLow: op.simd(0x5f),
  /** The high two f32 lanes moved to the low two (for promoting them). */
  highToLow: op.simd(0x0d, 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15),
  f64x2Add: op.simd(0xf0),
};
