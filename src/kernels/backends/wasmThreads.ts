/** @file what the WebAssembly backend's calling thread and its workers both run (tile loops over packed blocks, the module's elementwise kernels), the job protocol, and work split into shares */
import { instantiateKernels, TILE_B_BYTES, TILE_ROWS, type KernelExports, type TileFunction } from "./wasmModule.js";

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

/** Strips of a shared job taken so far, in int32 0 of the memory (the unused control block 0). */
export function sharedCounter(memory: WebAssembly.Memory): Int32Array {
  return new Int32Array(memory.buffer, 0, 1);
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
const KERNELS: readonly KernelName[] = ["sigmoid32", "backward32", "rforward32", "sigmoidCe32"];

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

// The control block of worker w is 32 int32s at byte 128·w of the shared memory:
// [job sequence, done sequence, ready, unused, kind, then up to 27 parameters]: a tile job's
// (flags, k, r0, r1, s0, s1, pa, pb, pc, ldc, accumulate, A's src, lda, m, epilogue's bias, d1,
// d2, rows) with flags = f64 | 2·shared by rows | 4·shared by columns | 8·packs A | 16·A
// transposed | 32·epilogue, or a kernel's arguments.
// Block 0 (no worker has index 0) holds the shared counter.
const SEQ = 0;
const DONE = 1;
const READY = 2;
const KIND = 4;
const PARAMS = 5;
const BLOCK_INTS = 32;
const MAX_PARAMS = BLOCK_INTS - PARAMS;
/** Bytes of control blocks reserved at the start of memory (room for 15 workers). */
export const CONTROL_BYTES = 16 * BLOCK_INTS * 4;

function encode(job: Job): { kind: number; params: number[] } {
  if ("kernel" in job) return { kind: KERNELS.indexOf(job.kernel) + 1, params: [...job.args] };
  const { f64, k, r0, r1, s0, s1, pa, pb, pc, ldc, accumulate, shared, rawA, epilogue: e } = job;
  const flags = (f64 ? 1 : 0) | (shared === "rows" ? 2 : 0) | (shared === "columns" ? 4 : 0) | (rawA === undefined ? 0 : 8) | (rawA?.transA === true ? 16 : 0) | (e === undefined ? 0 : 32);
  const tail = [rawA?.src ?? 0, rawA?.lda ?? 0, rawA?.m ?? 0, e?.bias ?? 0, e?.d1 ?? 0, e?.d2 ?? 0, e?.rows ?? 0];
  return { kind: 0, params: [flags, k, r0, r1, s0, s1, pa, pb, pc, ldc, accumulate ? 1 : 0, ...tail] };
}

function decode(kind: number, p: number[]): Job {
  if (kind > 0) return { kernel: KERNELS[kind - 1]!, args: p };
  const flags = p[0]!;
  const job: TileJob = { f64: (flags & 1) !== 0, k: p[1]!, r0: p[2]!, r1: p[3]!, s0: p[4]!, s1: p[5]!, pa: p[6]!, pb: p[7]!, pc: p[8]!, ldc: p[9]!, accumulate: p[10] === 1 };
  const shared: TileJob = (flags & 6) === 0 ? job : { ...job, shared: (flags & 2) !== 0 ? "rows" : "columns" };
  const packing: TileJob = (flags & 8) === 0 ? shared : { ...shared, rawA: { src: p[11]!, transA: (flags & 16) !== 0, lda: p[12]!, m: p[13]! } };
  return (flags & 32) === 0 ? packing : { ...packing, epilogue: { bias: p[14]!, d1: p[15]!, d2: p[16]!, rows: p[17]! } };
}

/** Polls of its job flag a worker makes before blocking (~1–2 ms). */
const WORKER_SPINS = 200_000;

/** What a worker is started with: the compiled module, the shared memory, and its index. */
export interface GemmWorkerInit {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly index: number;
}

/** Starts a worker thread running serveGemmWorker(init): the platform edge (Node's worker_threads, or a browser Worker). */
export type SpawnGemmWorker = (init: GemmWorkerInit, onError: (error: Error) => void) => void;

function control(memory: WebAssembly.Memory, index: number): Int32Array {
  return new Int32Array(memory.buffer, index * BLOCK_INTS * 4, BLOCK_INTS);
}

/** A worker's whole life: instantiate the kernels on the shared memory, say ready, then run jobs as they are posted. */
export function serveGemmWorker(init: GemmWorkerInit): never {
  const ctx: ThreadContext = { kernels: instantiateKernels(init.module, init.memory), memory: init.memory, counter: sharedCounter(init.memory) };
  const ctl = control(init.memory, init.index);
  let seen = Atomics.load(ctl, SEQ);
  Atomics.store(ctl, READY, 1);
  Atomics.notify(ctl, READY);
  for (;;) {
    // spin a little before blocking: products come in bursts, and a worker woken from a block
    // starts late (the caller has then done most of the chunks alone)
    for (let spin = 0; spin < WORKER_SPINS && Atomics.load(ctl, SEQ) === seen; spin++);
    Atomics.wait(ctl, SEQ, seen);
    const job = Atomics.load(ctl, SEQ);
    if (job === seen) continue;
    seen = job;
    runJob(ctx, decode(ctl[KIND]!, Array.from(ctl.subarray(PARAMS, PARAMS + MAX_PARAMS))));
    Atomics.store(ctl, DONE, job);
    Atomics.notify(ctl, DONE);
  }
}

/**
 * The calling thread's side: posts jobs to ready workers and waits for them. A worker that never
 * becomes ready is simply not used; one that stops mid-job makes the wait throw after `timeoutMs`.
 */
export class WorkerPool {
  private readonly sequence: number[];
  /** Whether a blocking wait is allowed on this thread (not on a browser's main thread). */
  private canBlock = true;
  private failure: Error | null = null;

  constructor(
    private readonly memory: WebAssembly.Memory,
    readonly size: number,
  ) {
    this.sequence = Array.from({ length: size }, () => 0);
  }

  /** Starts the workers; errors they raise (failing to start, say) are reported once to `notice`. */
  start(module: WebAssembly.Module, spawn: SpawnGemmWorker, notice: (line: string) => void): void {
    for (let w = 0; w < this.size; w++) {
      spawn({ module, memory: this.memory, index: w + 1 }, (error) => {
        if (this.failure === null) notice(`hessian-lab: a WebAssembly GEMM worker failed (${error.message}); continuing on the calling thread alone`);
        this.failure = error;
      });
    }
  }

  /** Indices (1-based, as in the control blocks) of workers ready for jobs. */
  ready(): number[] {
    const out: number[] = [];
    if (this.failure !== null) return out;
    for (let w = 1; w <= this.size; w++) if (Atomics.load(control(this.memory, w), READY) === 1) out.push(w);
    return out;
  }

  /** Resolves when every worker is ready (or `timeoutMs` passed): for benchmarks, which should time the threaded path. */
  async whenReady(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.ready().length < this.size && this.failure === null && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  }

  /** Posts a job to worker w. */
  post(w: number, job: Job): void {
    const ctl = control(this.memory, w);
    const { kind, params } = encode(job);
    if (params.length > MAX_PARAMS) throw new RangeError(`a worker job takes at most ${MAX_PARAMS} parameters, got ${params.length}`);
    ctl[KIND] = kind;
    ctl.set(params, PARAMS);
    const seq = (this.sequence[w - 1]! + 1) | 0;
    this.sequence[w - 1] = seq;
    Atomics.store(ctl, SEQ, seq);
    Atomics.notify(ctl, SEQ);
  }

  /** Waits until worker w has finished its last job. */
  join(w: number, timeoutMs: number): void {
    const ctl = control(this.memory, w);
    const seq = this.sequence[w - 1]!;
    const until = performance.now() + timeoutMs;
    for (;;) {
      const done = Atomics.load(ctl, DONE);
      if (done === seq) return;
      if (performance.now() > until) throw new Error(`WebAssembly GEMM worker ${w} did not finish a product within ${Math.round(timeoutMs)} ms`);
      if (this.canBlock) {
        try {
          Atomics.wait(ctl, DONE, done, 50);
        } catch (e) {
          // browsers forbid blocking their main thread: spin on the flag instead
          if (!(e instanceof TypeError)) throw e;
          this.canBlock = false;
        }
      }
    }
  }
}

/** Splits [0, count) into `parts` nearly equal ranges (none empty when count ≥ parts). */
export function ranges(count: number, parts: number): [number, number][] {
  return Array.from({ length: parts }, (_, i) => [Math.floor((count * i) / parts), Math.floor((count * (i + 1)) / parts)] as [number, number]);
}

/**
 * Splits [0, count) into one share for this thread and one for each of `workers` (ready worker
 * indices; fewer when count is smaller), runs `jobFor(share, from, to)` for each (this thread takes
 * share 0) and returns when all are done. Kernels loop do-while, so no share is ever empty.
 */
export function runShares(pool: WorkerPool | null, ctx: ThreadContext, workers: readonly number[], count: number, jobFor: (share: number, from: number, to: number) => Job): void {
  const helpers = pool === null ? [] : workers.slice(0, Math.max(0, count - 1));
  const parts = ranges(count, helpers.length + 1);
  helpers.forEach((w, i) => pool!.post(w, jobFor(i + 1, ...parts[i + 1]!)));
  runAndJoin(pool, ctx, helpers, jobFor(0, ...parts[0]!));
}

/**
 * Runs one shared tile job (TileJob.shared) on this thread and `workers` together, each taking
 * chunks of it as it goes, and returns when it is done (alone, without workers).
 */
export function runTogether(pool: WorkerPool | null, ctx: ThreadContext, workers: readonly number[], job: TileJob): void {
  Atomics.store(ctx.counter, 0, 0);
  const helpers = pool === null ? [] : workers;
  for (const w of helpers) pool!.post(w, job);
  runAndJoin(pool, ctx, helpers, job);
}

function runAndJoin(pool: WorkerPool | null, ctx: ThreadContext, helpers: readonly number[], own: Job): void {
  const started = performance.now();
  runJob(ctx, own);
  const took = performance.now() - started;
  // a worker that stops mid-job must not hang the caller: allow it far longer than this share took
  for (const w of helpers) pool!.join(w, Math.max(10_000, 50 * took));
}
