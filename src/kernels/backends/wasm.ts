/** @file the portable SIMD GEMM backend: a WebAssembly SIMD128 micro-kernel emitted at load time, packing in TypeScript */
import type { GemmBackend, GemmCall } from "./backend.js";

// The module is a few hundred bytes written here byte by byte (no toolchain in the build, nothing to
// fetch at run time), so it works wherever WebAssembly SIMD does: Node ≥ 16 and current browsers.
// It holds one function per element type, tile(kc, pa, pb, pc, ldc, accumulate): a 4 × 2-vector
// register tile (4×8 floats or 4×4 doubles) over kc packed steps, stored to C in linear memory.

const MR = 4;
const KC = 256;
const MC = 64;
const NC = 1024;

/** Unsigned and signed LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
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

const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

const op = {
  localGet: (i: number) => [0x20, ...uleb(i)],
  localSet: (i: number) => [0x21, ...uleb(i)],
  i32Const: (v: number) => [0x41, ...sleb(v)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  simd: (code: number, ...imm: number[]) => [0xfd, ...uleb(code), ...imm],
};

/** The tile function's body for elements of `bytes` bytes (4: f32x4, 8: f64x2). */
function tileBody(bytes: 4 | 8): number[] {
  const [KCL, PA, PB, PC, LDC, ACC] = [0, 1, 2, 3, 4, 5];
  const acc = (r: number, v: number): number => 6 + r * 2 + v;
  const [B0, B1, A, ROW] = [14, 15, 16, 17];
  const scalarLoad = bytes === 4 ? [0x2a, 2, 0] : [0x2b, 3, 0]; // f32.load / f64.load, align, offset 0
  const splat = bytes === 4 ? op.simd(0x13) : op.simd(0x14);
  const add = bytes === 4 ? op.simd(228) : op.simd(240);
  const mul = bytes === 4 ? op.simd(230) : op.simd(242);
  const load = (offset: number) => op.simd(0x00, 4, ...uleb(offset));
  const store = (offset: number) => op.simd(0x0b, 4, ...uleb(offset));
  const code: number[] = [];
  // k loop: b0, b1 ← the packed B row; per row r: a ← splat(A[r]); acc[r][v] += a·b_v
  code.push(...op.loop);
  code.push(...op.localGet(PB), ...load(0), ...op.localSet(B0));
  code.push(...op.localGet(PB), ...load(16), ...op.localSet(B1));
  for (let r = 0; r < MR; r++) {
    code.push(...op.localGet(PA), scalarLoad[0]!, scalarLoad[1]!, ...uleb(r * bytes), ...splat, ...op.localSet(A));
    for (let v = 0; v < 2; v++) {
      code.push(...op.localGet(acc(r, v)), ...op.localGet(A), ...op.localGet(v === 0 ? B0 : B1), ...mul, ...add, ...op.localSet(acc(r, v)));
    }
  }
  code.push(...op.localGet(PA), ...op.i32Const(MR * bytes), ...op.i32Add, ...op.localSet(PA));
  code.push(...op.localGet(PB), ...op.i32Const(32), ...op.i32Add, ...op.localSet(PB));
  code.push(...op.localGet(KCL), ...op.i32Const(1), ...op.i32Sub, ...[0x22, ...uleb(KCL)], ...op.brIf(0), ...op.end);
  // store rows of C at pc + r·ldc (bytes), adding what is there when accumulating over k-blocks
  code.push(...op.localGet(PC), ...op.localSet(ROW));
  for (let r = 0; r < MR; r++) {
    code.push(...op.localGet(ACC), ...op.if);
    for (let v = 0; v < 2; v++) code.push(...op.localGet(acc(r, v)), ...op.localGet(ROW), ...load(v * 16), ...add, ...op.localSet(acc(r, v)));
    code.push(...op.end);
    for (let v = 0; v < 2; v++) code.push(...op.localGet(ROW), ...op.localGet(acc(r, v)), ...store(v * 16));
    code.push(...op.localGet(ROW), ...op.localGet(LDC), ...op.i32Add, ...op.localSet(ROW));
  }
  code.push(...op.end);
  const locals = vec([[...uleb(11), 0x7b], [...uleb(1), 0x7f]]);
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/** The module's bytes: exports tile32, tile64 and its memory. */
function moduleBytes(): Uint8Array<ArrayBuffer> {
  const i32 = 0x7f;
  const type = [0x60, ...vec([[i32], [i32], [i32], [i32], [i32], [i32]]), ...vec([])];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([type])),
    ...section(3, vec([[0], [0]])),
    ...section(5, vec([[0x00, ...uleb(1)]])),
    ...section(7, vec([[...name("tile32"), 0x00, 0], [...name("tile64"), 0x00, 1], [...name("mem"), 0x02, 0]])),
    ...section(10, vec([tileBody(4), tileBody(8)])),
  ];
  return new Uint8Array(bytes);
}

type TileFn = (kc: number, pa: number, pb: number, pc: number, ldc: number, accumulate: number) => void;

interface Instance {
  readonly memory: WebAssembly.Memory;
  readonly tile32: TileFn;
  readonly tile64: TileFn;
}

function instantiate(): Instance | null {
  try {
    const module = new WebAssembly.Module(moduleBytes());
    const exports = new WebAssembly.Instance(module, {}).exports;
    const { mem, tile32, tile64 } = exports as Record<string, unknown>;
    if (!(mem instanceof WebAssembly.Memory) || typeof tile32 !== "function" || typeof tile64 !== "function") return null;
    return { memory: mem, tile32: tile32 as TileFn, tile64: tile64 as TileFn };
  } catch {
    // no WebAssembly, or no SIMD128: the caller keeps the scalar TypeScript backend
    return null;
  }
}

/** Grows the module's memory to at least `bytes`; returns the (possibly new) buffer. */
function ensureMemory(inst: Instance, bytes: number): ArrayBuffer {
  const have = inst.memory.buffer.byteLength;
  if (have < bytes) inst.memory.grow(Math.ceil((bytes - have) / 65536));
  return inst.memory.buffer;
}

function gemmWasm(inst: Instance, call: GemmCall): void {
  const { m, n, k, a, lda, b, ldb, c, ldc, transA, transB, alpha, beta } = call;
  if (k === 0 || alpha === 0) {
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) c[i * ldc + j] = beta === 0 ? 0 : beta * c[i * ldc + j]!;
    return;
  }
  const f64 = c instanceof Float64Array;
  const es = f64 ? 8 : 4;
  const NR = 32 / es;
  const tile = f64 ? inst.tile64 : inst.tile32;
  const ncMax = Math.min(NC, Math.ceil(n / NR) * NR);
  // linear memory: packed A block (MC × KC) | packed B panel (k × nc, all of k) | C block (MC × nc)
  const aBytes = MC * KC * es;
  const bBytes = Math.ceil(k / KC) * KC * ncMax * es;
  const cBytes = MC * ncMax * es;
  const buffer = ensureMemory(inst, aBytes + bBytes + cBytes);
  const View = f64 ? Float64Array : Float32Array;
  const pa = new View(buffer, 0, aBytes / es);
  const pb = new View(buffer, aBytes, bBytes / es);
  const cb = new View(buffer, aBytes + bBytes, cBytes / es);
  const ldcb = ncMax * es;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    const strips = Math.ceil(nc / NR);
    // B panel: strip s holds k rows of NR columns, so k-block p0 of strip s starts at (s·k + p0)·NR
    for (let s = 0; s < strips; s++) {
      const base = s * k * NR;
      for (let q = 0; q < NR; q++) {
        const j = j0 + s * NR + q;
        if (j >= n) {
          for (let p = 0; p < k; p++) pb[base + p * NR + q] = 0;
        } else if (transB) {
          for (let p = 0; p < k; p++) pb[base + p * NR + q] = b[j * ldb + p]!;
        } else {
          for (let p = 0; p < k; p++) pb[base + p * NR + q] = b[p * ldb + j]!;
        }
      }
    }
    for (let i0 = 0; i0 < m; i0 += MC) {
      const mc = Math.min(MC, m - i0);
      for (let p0 = 0; p0 < k; p0 += KC) {
        const kc = Math.min(KC, k - p0);
        for (let is = 0; is < mc; is += MR) {
          const off = is * kc;
          for (let r = 0; r < MR; r++) {
            const i = i0 + is + r;
            if (is + r >= mc) {
              for (let p = 0; p < kc; p++) pa[off + p * MR + r] = 0;
            } else if (transA) {
              for (let p = 0; p < kc; p++) pa[off + p * MR + r] = a[(p0 + p) * lda + i]!;
            } else {
              const row = i * lda + p0;
              for (let p = 0; p < kc; p++) pa[off + p * MR + r] = a[row + p]!;
            }
          }
        }
        const acc = p0 === 0 ? 0 : 1;
        for (let s = 0; s < strips; s++) {
          const bAddr = aBytes + (s * k + p0) * NR * es;
          for (let is = 0; is < mc; is += MR) tile(kc, is * kc * es, bAddr, aBytes + bBytes + (is * ncMax + s * NR) * es, ldcb, acc);
        }
      }
      // C ← α·(block) + β·C for the valid rows and columns
      for (let r = 0; r < mc; r++) {
        const src = r * ncMax;
        const dst = (i0 + r) * ldc + j0;
        if (beta === 0) for (let q = 0; q < nc; q++) c[dst + q] = alpha * cb[src + q]!;
        else for (let q = 0; q < nc; q++) c[dst + q] = alpha * cb[src + q]! + beta * c[dst + q]!;
      }
    }
  }
}

/**
 * The WebAssembly SIMD backend, or null where WebAssembly SIMD is unavailable. Runs in browsers
 * and Node alike; accumulates in the element type (as the native backend does).
 */
export function wasmBackend(): GemmBackend | null {
  const inst = instantiate();
  if (inst === null) return null;
  return { name: "portable-wasm-simd", threads: 1, gemm: (call) => gemmWasm(inst, call) };
}
