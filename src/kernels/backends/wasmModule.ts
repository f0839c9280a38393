/** @file the WebAssembly SIMD kernel module (GEMM tiles, packing, elementwise steps), emitted byte by byte at load time */

// A few kilobytes written here (no toolchain in the build, nothing fetched at run time), so it
// runs wherever WebAssembly SIMD128 does: Node ≥ 16 and current browsers. The module imports its
// memory (shared when threads work on it); KernelExports below lists what it exports. The GEMM
// tiles are tile32 and tile64:
//   tile(kc, pa, pb, pc, ldc, accumulate, strips, aStride)
// a 4 × 2-vector register tile (4×8 floats or 4×4 doubles) over kc packed k-steps — A packed 4
// values per step, B 2 vectors per step — stored to C at pc with row stride ldc bytes, added to
// what is there when `accumulate` is 1; repeated for `strips` A strips aStride bytes apart, down
// C. With relaxed SIMD each multiply-add is one fused instruction (≈1.6× the mul + add kernel here). Why 4 rows: V8 keeps one of x64's sixteen vector
// registers as scratch and hoists every broadcast of a k-step above its multiply-adds, so a 6-row
// tile (12 accumulators + 2 B + 6 A) spills; 8 + 2 + 4 fits. Unrolling k spills the same way.

import { addTo, countDown, I32, name, op, section, uleb, V128, vec } from "./wasmEmit.js";
import { backwardBody, rForwardBody } from "./wasmLayerSteps.js";
import { sigmoidBody, sigmoidCrossEntropyBody } from "./wasmSigmoid.js";

/** Rows of a register tile. */
export const TILE_ROWS = 4;
/** Bytes of B per k-step of a tile: two 128-bit vectors. */
export const TILE_B_BYTES = 32;

/** Options of the emitted module. */
export interface KernelModuleOptions {
  /** Use relaxed SIMD's fused multiply-add (f32x4/f64x2.relaxed_madd) instead of mul + add. */
  readonly fma: boolean;
  /** Import a shared memory (for worker threads) instead of a private one. */
  readonly shared: boolean;
  /** The memory's maximum size in 64 KiB pages (required for shared memory). */
  readonly maxPages: number;
}

/**
 * The tile function's body for elements of `bytes` bytes (4: f32x4, 8: f64x2): `strips` row strips
 * of A (aStride bytes apart) against one B strip, each strip's tile stored TILE_ROWS rows of C
 * further down. The strip loop lives here rather than in JavaScript: one call per 16 tiles instead
 * of one per tile.
 */
function tileBody(bytes: 4 | 8, fma: boolean): number[] {
  const [KC, PA, PB, PC, LDC, ACC, STRIPS, ASTRIDE] = [0, 1, 2, 3, 4, 5, 6, 7];
  const acc = (r: number, v: number): number => 8 + r * 2 + v;
  const [B0, B1, A] = [8 + 2 * TILE_ROWS, 9 + 2 * TILE_ROWS, 10 + 2 * TILE_ROWS];
  const [ROW, P, Q, K] = [11 + 2 * TILE_ROWS, 12 + 2 * TILE_ROWS, 13 + 2 * TILE_ROWS, 14 + 2 * TILE_ROWS];
  const log2 = bytes === 4 ? 2 : 3;
  const loadSplat = (offset: number) => op.simd(bytes === 4 ? 0x09 : 0x0a, log2, ...uleb(offset));
  const add = bytes === 4 ? op.simd(228) : op.simd(240);
  const mul = bytes === 4 ? op.simd(230) : op.simd(242);
  const madd = bytes === 4 ? op.simd(0x105) : op.simd(0x107);
  const load = (offset: number) => op.simd(0x00, 4, ...uleb(offset));
  const store = (offset: number) => op.simd(0x0b, 4, ...uleb(offset));
  const zero = op.simd(0x0c, ...Array.from({ length: 16 }, () => 0));
  const code: number[] = [];
  // strip loop: accumulators ← 0, cursors at this strip's A and the B strip
  code.push(...op.loop);
  for (let r = 0; r < TILE_ROWS; r++) for (let v = 0; v < 2; v++) code.push(...zero, ...op.localSet(acc(r, v)));
  code.push(...op.localGet(PA), ...op.localSet(P), ...op.localGet(PB), ...op.localSet(Q), ...op.localGet(KC), ...op.localSet(K));
  // k loop: b0, b1 ← B's two vectors of this step; per row r: a ← splat(A[r]); acc[r][v] += a·b_v
  code.push(...op.loop);
  code.push(...op.localGet(Q), ...load(0), ...op.localSet(B0));
  code.push(...op.localGet(Q), ...load(16), ...op.localSet(B1));
  for (let r = 0; r < TILE_ROWS; r++) {
    code.push(...op.localGet(P), ...loadSplat(r * bytes), ...op.localSet(A));
    for (let v = 0; v < 2; v++) {
      const b = op.localGet(v === 0 ? B0 : B1);
      if (fma) code.push(...op.localGet(A), ...b, ...op.localGet(acc(r, v)), ...madd);
      else code.push(...op.localGet(acc(r, v)), ...op.localGet(A), ...b, ...mul, ...add);
      code.push(...op.localSet(acc(r, v)));
    }
  }
  code.push(...addTo(P, op.i32Const(TILE_ROWS * bytes)), ...addTo(Q, op.i32Const(TILE_B_BYTES)));
  code.push(...countDown(K), ...op.end);
  // store rows of C at pc + r·ldc, adding what is there when accumulating over k-blocks
  code.push(...op.localGet(PC), ...op.localSet(ROW));
  for (let r = 0; r < TILE_ROWS; r++) {
    code.push(...op.localGet(ACC), ...op.if);
    for (let v = 0; v < 2; v++) code.push(...op.localGet(acc(r, v)), ...op.localGet(ROW), ...load(v * 16), ...add, ...op.localSet(acc(r, v)));
    code.push(...op.end);
    for (let v = 0; v < 2; v++) code.push(...op.localGet(ROW), ...op.localGet(acc(r, v)), ...store(v * 16));
    code.push(...addTo(ROW, op.localGet(LDC)));
  }
  // next strip: A's next strip, C's next TILE_ROWS rows (ROW is there now)
  code.push(...addTo(PA, op.localGet(ASTRIDE)), ...op.localGet(ROW), ...op.localSet(PC));
  code.push(...countDown(STRIPS), ...op.end);
  code.push(...op.end);
  const locals = vec([[...uleb(2 * TILE_ROWS + 3), V128], [...uleb(4), I32]]);
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/**
 * The packing routine's body: copies `strips` strips of `lanes` lanes × k steps, element by element
 * (i32 or i64 moves, so no float is touched), from src + strip·stripStride + lane·rs + step·ps to
 * dst + (strip·k + step)·stepBytes + lane·es. All addresses and strides in bytes; counts ≥ 1.
 * In JavaScript the same strided loops cost ~5 ns an element — as much as the product on two threads.
 */
function gatherBody(bytes: 4 | 8): number[] {
  const [DST, SRC, STRIPS, K, LANES, STEP, STRIDE, PS, RS] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [DL, SL, R, D, Q, P, KSTEP] = [9, 10, 11, 12, 13, 14, 15];
  const move = bytes === 4 ? [0x28, 2, 0, 0x36, 2, 0] : [0x29, 3, 0, 0x37, 3, 0]; // load then store, align, offset 0
  const get = op.localGet;
  const set = op.localSet;
  const code = [
    ...get(K), ...get(STEP), ...op.i32Mul, ...set(KSTEP),
    ...op.loop,
    ...get(DST), ...set(DL), ...get(SRC), ...set(SL), ...get(LANES), ...set(R),
    ...op.loop,
    ...get(DL), ...set(D), ...get(SL), ...set(Q), ...get(K), ...set(P),
    ...op.loop,
    ...get(D), ...get(Q), move[0]!, move[1]!, move[2]!, move[3]!, move[4]!, move[5]!,
    ...addTo(D, get(STEP)), ...addTo(Q, get(PS)),
    ...countDown(P), ...op.end,
    ...addTo(DL, op.i32Const(bytes)), ...addTo(SL, get(RS)),
    ...countDown(R), ...op.end,
    ...addTo(DST, get(KSTEP)), ...addTo(SRC, get(STRIDE)),
    ...countDown(STRIPS), ...op.end,
    ...op.end,
  ];
  const body = [...vec([[...uleb(7), I32]]), ...code];
  return [...uleb(body.length), ...body];
}

/**
 * The packing routine for lanes that are adjacent in the source (op(A) from Aᵀ, op(B) from B):
 * copies `strips` strips of k steps, each step `vectors` 16-byte vectors (a whole tile row or
 * column group) from src + strip·stripStride + step·ps to dst + (strip·k + step)·16·vectors.
 * Walking the source row by row instead of lane by lane (as gather does) reads each cache line
 * once: 5.5 ms → well under 1 ms for a 1024² B panel here.
 */
function panelBody(): number[] {
  const [DST, SRC, STRIPS, K, VECTORS, STRIDE, PS] = [0, 1, 2, 3, 4, 5, 6];
  const [Q, P] = [7, 8];
  const get = op.localGet;
  const set = op.localSet;
  const load = (offset: number) => op.simd(0x00, 4, ...uleb(offset));
  const store = (offset: number) => op.simd(0x0b, 4, ...uleb(offset));
  const code = [
    ...op.loop,
    ...get(SRC), ...set(Q), ...get(K), ...set(P),
    ...op.loop,
    ...get(DST), ...get(Q), ...load(0), ...store(0),
    ...get(VECTORS), ...op.i32Const(1), ...op.i32Sub, ...op.if,
    ...get(DST), ...get(Q), ...load(16), ...store(16),
    ...op.end,
    ...addTo(DST, [...get(VECTORS), ...op.i32Const(4), ...op.i32Shl]), ...addTo(Q, get(PS)),
    ...countDown(P), ...op.end,
    ...addTo(SRC, get(STRIDE)),
    ...countDown(STRIPS), ...op.end,
    ...op.end,
  ];
  const body = [...vec([[...uleb(2), I32]]), ...code];
  return [...uleb(body.length), ...body];
}

/** The module's bytes: imports env.mem, exports tile32, tile64, gather32, gather64, sigmoid32 and sigmoidCe32 (wasmSigmoid.ts), panel, backward32 and rforward32 (wasmLayerSteps.ts). */
export function kernelModuleBytes(options: KernelModuleOptions): Uint8Array<ArrayBuffer> {
  // function types by parameter count (all i32, no results): 6 (sigmoid32, sigmoidCe32), 9 (gather),
  // 7 (panel, backward32, rforward32), 8 (tiles)
  const i32s = (count: number): number[] => [0x60, ...vec(Array.from({ length: count }, () => [I32])), ...vec([])];
  const limits = options.shared ? [0x03, ...uleb(1), ...uleb(options.maxPages)] : [0x01, ...uleb(1), ...uleb(options.maxPages)];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([i32s(6), i32s(9), i32s(7), i32s(8)])),
    ...section(2, vec([[...name("env"), ...name("mem"), 0x02, ...limits]])),
    ...section(3, vec([[3], [3], [1], [1], [0], [2], [0], [2], [2]])),
    ...section(7, vec([[...name("tile32"), 0x00, 0], [...name("tile64"), 0x00, 1], [...name("gather32"), 0x00, 2], [...name("gather64"), 0x00, 3], [...name("sigmoid32"), 0x00, 4], [...name("panel"), 0x00, 5], [...name("sigmoidCe32"), 0x00, 6], [...name("backward32"), 0x00, 7], [...name("rforward32"), 0x00, 8]])),
    ...section(10, vec([tileBody(4, options.fma), tileBody(8, options.fma), gatherBody(4), gatherBody(8), sigmoidBody(), panelBody(), sigmoidCrossEntropyBody(), backwardBody(), rForwardBody()])),
  ];
  return new Uint8Array(bytes);
}

/** The signature of tile32 and tile64 (byte addresses in the module's memory; strips ≥ 1, kc ≥ 1). */
export type TileFunction = (kc: number, pa: number, pb: number, pc: number, ldc: number, accumulate: number, strips: number, aStride: number) => void;

/** The signature of gather32 and gather64: (dst, src, strips, k, lanes, stepBytes, stripStride, ps, rs), bytes. */
export type GatherFunction = (dst: number, src: number, strips: number, k: number, lanes: number, stepBytes: number, stripStride: number, ps: number, rs: number) => void;

/** The module's exports. */
export interface KernelExports {
  readonly tile32: TileFunction;
  readonly tile64: TileFunction;
  readonly gather32: GatherFunction;
  readonly gather64: GatherFunction;
  /** (c, bias, d1, d2 or 0, rows, rowBytes): the sigmoid layer epilogue on padded float32 rows. */
  readonly sigmoid32: (c: number, bias: number, d1: number, d2: number, rows: number, rowBytes: number) => void;
  /** (dst, src, strips, k, vectors, stripStride, ps): packing of source-adjacent lanes, 16·vectors bytes a step. */
  readonly panel: (dst: number, src: number, strips: number, k: number, vectors: number, stripStride: number, ps: number) => void;
  /** (y, t, grad, hdiag or 0, sums, vectors): sigmoid cross-entropy over 4·vectors float32s, terms added to 4 doubles at sums. */
  readonly sigmoidCe32: (y: number, t: number, grad: number, hdiag: number, sums: number, vectors: number) => void;
  /** (g, d1, rg or 0, d2 or 0, acc, rows, rowBytes): the backward pass's elementwise step and float64 column sums. */
  readonly backward32: (g: number, d1: number, rg: number, d2: number, acc: number, rows: number, rowBytes: number) => void;
  /** (rz, vb, d1, d2 or 0, p2 or 0, rows, rowBytes): the R-forward pass's elementwise step. */
  readonly rforward32: (rz: number, vb: number, d1: number, d2: number, p2: number, rows: number, rowBytes: number) => void;
}

/** Instantiates the module on `memory` (shared or not, as the module was built). */
export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  return new WebAssembly.Instance(module, { env: { mem: memory } }).exports as unknown as KernelExports;
}

/** Grows `memory` to at least `bytes` (existing views of shared memory stay valid; others must be remade). */
export function growMemory(memory: WebAssembly.Memory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (have < bytes) memory.grow(Math.ceil((bytes - have) / 65536));
}

/** Whether this engine validates the module: SIMD128, and relaxed SIMD when `fma` is asked for. */
export function kernelModuleSupported(options: KernelModuleOptions): boolean {
  try {
    return WebAssembly.validate(kernelModuleBytes(options));
  } catch {
    // no WebAssembly at all
    return false;
  }
}
