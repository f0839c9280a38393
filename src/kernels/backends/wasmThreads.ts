/** @file the WebAssembly backend's threads: the job protocol over shared memory, the workers' loop, the calling thread's pool, and work split into shares */
import { instantiateKernels } from "./wasmModule.js";
import { KERNELS, runJob, type Job, type ThreadContext, type TileJob } from "./wasmJobs.js";

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

/** Strips of a shared job taken so far, in int32 0 of the memory (the unused control block 0). */
export function sharedCounter(memory: WebAssembly.Memory): Int32Array {
  return new Int32Array(memory.buffer, 0, 1);
}

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
