/** @file what a WebAssembly backend thread runs — the calling one and its workers alike: tile loops over packed blocks (alone, or chunk by chunk from a shared counter, packing A and running the sigmoid epilogue as it goes) and calls of the module's elementwise kernels */
import { TILE_B_BYTES, TILE_ROWS, type KernelExports, type TileFunction } from "./wasmModule.js";

/** k-steps per packed block: an A strip block (4 × 256 floats, 4 KiB) and a B strip block (8 KiB) stay in L1. */
export const KC = 256;
/** Row strips walked against one B strip before moving on: 16 × 4 rows × KC floats (64 KiB) stay in L2. */
const CHUNK_STRIPS = 16;
/** Strips a thread takes at a time from a shared job (about 1/30 of an autoencoder layer's product). */
const SHARED_CHUNK = 8;

/**
 * One rectangle of tiles over packed operands in the module's memory (byte addresses):
 * A as row strips (strip r, step p at pa + (r·k + p)·4·es), B as column strips (strip s, step p at
 * pb + (s·k + p)·32), C at pc with row stride ldc bytes. Covers row strips [r0, r1) × column
 * strips [s0, s1), all of k, adding to C there when `accumulate` is set and overwriting it otherwise.
 * A `shared` job is run by several threads at once: each takes SHARED_CHUNK row (or column) strips
 * at a time from a counter until none are left, so a thread the machine slows down simply takes
 * fewer (fixed halves would leave the other waiting for it). With `rawA`, a job shared by rows
 * packs the A strips of each chunk it takes first (packing is then split between the threads too);
 * with `epilogue` (one column panel; not shared by columns), the sigmoid epilogue runs on each
 * chunk's rows of C as soon as they are final, while they are still in cache.
 */
export interface TileJob {
  readonly f64: boolean;
  readonly k: number;
  readonly r0: number;
  readonly r1: number;
  readonly s0: number;
  readonly s1: number;
  readonly pa: number;
  readonly pb: number;
  readonly pc: number;
  readonly ldc: number;
  readonly accumulate: boolean;
  readonly shared?: "rows" | "columns";
  readonly rawA?: RawA;
  readonly epilogue?: TileEpilogue;
}

/** The sigmoid epilogue over C's first `rows` rows: a bias row at `bias`, d1 and d2 (0: none) laid out like C. */
export interface TileEpilogue {
  readonly bias: number;
  readonly d1: number;
  readonly d2: number;
  readonly rows: number;
}

/** Runs the epilogue on C's rows of strips [from, to). */
function epilogueRows(kernels: KernelExports, job: TileJob, e: TileEpilogue, from: number, to: number): void {
  const r0 = from * TILE_ROWS;
  const r1 = Math.min(to * TILE_ROWS, e.rows);
  if (r1 <= r0) return;
  const o = r0 * job.ldc;
  kernels.sigmoid32(job.pc + o, e.bias, e.d1 + o, e.d2 === 0 ? 0 : e.d2 + o, r1 - r0, job.ldc);
}

/** op(A) as stored in the module's memory, before packing: `lda` in elements, m rows of op(A). */
export interface RawA {
  readonly src: number;
  readonly transA: boolean;
  readonly lda: number;
  readonly m: number;
}

/** What a thread runs jobs with: the module's exports, its memory, and the shared jobs' counter. */
export interface ThreadContext {
  readonly kernels: KernelExports;
  readonly memory: WebAssembly.Memory;
  readonly counter: Int32Array;
}

/**
 * Packs row strips [from, to) of op(A) (k steps of `es`-byte elements) from `raw` into strips at pa,
 * k-major, by the module's panel copy (rows of Aᵀ are adjacent) or gather; a last partial strip is
 * zero-padded.
 */
export function packAStrips(ctx: ThreadContext, raw: RawA, k: number, es: number, pa: number, from: number, to: number): void {
  const { kernels } = ctx;
  const gather = es === 8 ? kernels.gather64 : kernels.gather32;
  const [rs, ps] = raw.transA ? [es, raw.lda * es] : [raw.lda * es, es];
  const stepBytes = TILE_ROWS * es;
  const whole = Math.floor(raw.m / TILE_ROWS);
  const end = Math.min(to, whole);
  if (end > from) {
    const dst = pa + from * k * stepBytes;
    const src = raw.src + from * TILE_ROWS * rs;
    if (raw.transA) kernels.panel(dst, src, end - from, k, stepBytes / 16, TILE_ROWS * rs, ps);
    else gather(dst, src, end - from, k, TILE_ROWS, stepBytes, TILE_ROWS * rs, ps, rs);
  }
  const rest = raw.m - whole * TILE_ROWS;
  if (rest > 0 && from <= whole && to > whole) {
    const dst = pa + whole * k * stepBytes;
    new Uint8Array(ctx.memory.buffer, dst, k * stepBytes).fill(0);
    gather(dst, raw.src + whole * TILE_ROWS * rs, 1, k, rest, stepBytes, 0, ps, rs);
  }
}

/** Runs a tile job; a shared one takes chunks from the counter (reset to 0 before the job is posted) until they run out. */
export function runTileJob(ctx: ThreadContext, job: TileJob): void {
  if (job.shared === undefined) {
    runTiles(ctx.kernels, job);
    if (job.epilogue !== undefined) epilogueRows(ctx.kernels, job, job.epilogue, job.r0, job.r1);
    return;
  }
  const byRows = job.shared === "rows";
  const [lo, hi] = byRows ? [job.r0, job.r1] : [job.s0, job.s1];
  for (;;) {
    const from = lo + Atomics.add(ctx.counter, 0, 1) * SHARED_CHUNK;
    if (from >= hi) return;
    const to = Math.min(hi, from + SHARED_CHUNK);
    if (byRows && job.rawA !== undefined) packAStrips(ctx, job.rawA, job.k, job.f64 ? 8 : 4, job.pa, from, to);
    runTiles(ctx.kernels, byRows ? { ...job, r0: from, r1: to } : { ...job, s0: from, s1: to });
    if (byRows && job.epilogue !== undefined) epilogueRows(ctx.kernels, job, job.epilogue, from, to);
  }
}

/** Runs a job: k-blocks outermost (C tiles accumulate after the first), then L2-sized row chunks, then B strips. */
function runTiles(tiles: { tile32: TileFunction; tile64: TileFunction }, job: TileJob): void {
  const { k, r0, r1, s0, s1, pa, pb, pc, ldc } = job;
  const es = job.f64 ? 8 : 4;
  const tile = job.f64 ? tiles.tile64 : tiles.tile32;
  const aStrip = TILE_ROWS * es;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = Math.min(KC, k - p0);
    const accumulate = p0 === 0 && !job.accumulate ? 0 : 1;
    for (let c0 = r0; c0 < r1; c0 += CHUNK_STRIPS) {
      const c1 = Math.min(c0 + CHUNK_STRIPS, r1);
      for (let s = s0; s < s1; s++) {
        const b = pb + (s * k + p0) * TILE_B_BYTES;
        const cCol = pc + s * TILE_B_BYTES;
        tile(kc, pa + (c0 * k + p0) * aStrip, b, cCol + c0 * TILE_ROWS * ldc, ldc, accumulate, c1 - c0, k * aStrip);
      }
    }
  }
}

/** The module's elementwise kernels a job can run (on its share of rows or vectors). */
export type KernelName = "sigmoid32" | "backward32" | "rforward32" | "sigmoidCe32";
/** Job kinds as posted: 0 is a tile job, kernel i is KERNELS[i − 1]. */
export const KERNELS: readonly KernelName[] = ["sigmoid32", "backward32", "rforward32", "sigmoidCe32"];

/** One call of an elementwise kernel: its i32 arguments (byte addresses, counts) as KernelExports lists them. */
export interface KernelJob {
  readonly kernel: KernelName;
  readonly args: readonly number[];
}

/** What a thread runs: tiles over packed operands, or one kernel call. */
export type Job = TileJob | KernelJob;

function runKernelJob(k: KernelExports, { kernel, args: a }: KernelJob): void {
  switch (kernel) {
    case "sigmoid32":
      return k.sigmoid32(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!);
    case "backward32":
      return k.backward32(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!);
    case "rforward32":
      return k.rforward32(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!);
    case "sigmoidCe32":
      return k.sigmoidCe32(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!);
  }
}

/** Runs a job on this thread. */
export function runJob(ctx: ThreadContext, job: Job): void {
  if ("kernel" in job) runKernelJob(ctx.kernels, job);
  else runTileJob(ctx, job);
}
