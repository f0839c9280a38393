/** @file the portable SIMD GEMM backend: WebAssembly SIMD tiles (fused multiply-add where relaxed SIMD is on), packing by the module, optional worker threads over shared memory */
import { ACTIVATION_TABLE, type ActivationCode } from "../activations.js";
import { gemmSpans, type GemmBackend, type GemmCall } from "./backend.js";
import type { TypedArray } from "../ndarray.js";
import { growMemory, instantiateKernels, kernelModuleBytes, kernelModuleSupported, TILE_B_BYTES, TILE_ROWS, type KernelExports, type KernelModuleOptions } from "./wasmModule.js";
import { activateWasm, backwardStepWasm, rForwardStepWasm, sigmoidCrossEntropyWasm } from "./wasmElementwise.js";
import { portableLayerSteps, scaleByU } from "./portableLayerSteps.js";
import { packAStrips, runJob, type RawA, type ThreadContext, type TileEpilogue, type TileJob } from "./wasmJobs.js";
import { CONTROL_BYTES, runShares, runTogether, sharedCounter, WorkerPool, type SpawnGemmWorker } from "./wasmThreads.js";

// Goto/BLIS structure: A and B are copied into the module's memory (one memcpy each), op(A) is
// packed once per call into 4-row strips and op(B) per NC-column panel into 8-float strips, both
// k-major, by the module's panel copy (lanes adjacent in the source) or gather (strided); the
// tiles then run over row strips × column strips into a C block, copied (or scaled) into the
// caller's C. With workers, the threads take chunks of strips from a shared counter as they go,
// and a product shared by rows packs each chunk's A strips (and runs a fused sigmoid epilogue on
// its rows) in the chunk (wasmJobs.ts).
const NC = 1024;
/** Products below this many multiply-adds run on the calling thread alone (a job's round trip is ~10–50 µs). */
const THREADED_MIN_FLOPS = 1 << 21;
/** Operand bytes one call may stage in memory; larger products are split into sub-products. */
const STAGING_LIMIT = 192 << 20;
const MAX_PAGES = 8192;

/** Options of the WebAssembly backend. */
export interface WasmBackendOptions {
  /** Threads per product, the calling one included (default 1); more need `spawnWorker` and shared memory. */
  readonly threads?: number;
  /** Starts a worker thread (the platform edge: Node's worker_threads or a browser Worker). */
  readonly spawnWorker?: SpawnGemmWorker;
  /** Where a worker's failure is reported (one line). */
  readonly notice?: (line: string) => void;
  /** Operand bytes one product may stage in the module's memory (default 192 MiB); larger ones are split. */
  readonly stagingLimitBytes?: number;
}

interface Engine {
  readonly memory: WebAssembly.Memory;
  readonly kernels: KernelExports;
  /** This thread's context for running jobs (its counter is only used by shared jobs, which need shared memory). */
  readonly ctx: ThreadContext;
  readonly pool: WorkerPool | null;
  readonly fma: boolean;
  readonly stagingLimit: number;
}

function createEngine(options: WasmBackendOptions): Engine | null {
  const wantThreads = (options.threads ?? 1) > 1 && options.spawnWorker !== undefined && typeof SharedArrayBuffer === "function";
  const moduleOptions = (fma: boolean, shared: boolean): KernelModuleOptions => ({ fma, shared, maxPages: MAX_PAGES });
  const fma = kernelModuleSupported(moduleOptions(true, false));
  if (!fma && !kernelModuleSupported(moduleOptions(false, false))) return null;
  let shared = wantThreads;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared });
  } catch (e) {
    // shared memory needs cross-origin isolation in browsers: run on one thread there
    if (!shared || !(e instanceof TypeError || e instanceof RangeError)) throw e;
    shared = false;
    memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES });
  }
  const module = new WebAssembly.Module(kernelModuleBytes(moduleOptions(fma, shared)));
  let pool: WorkerPool | null = null;
  if (shared && options.spawnWorker !== undefined) {
    pool = new WorkerPool(memory, Math.min(15, options.threads! - 1));
    pool.start(module, options.spawnWorker, options.notice ?? (() => undefined));
  }
  const kernels = instantiateKernels(module, memory);
  return { memory, kernels, ctx: { kernels, memory, counter: sharedCounter(memory) }, pool, fma, stagingLimit: options.stagingLimitBytes ?? STAGING_LIMIT };
}

/** Byte offsets of a call's regions in memory: raw copies of A and B, packed A, one packed B panel, one C block. */
interface Staging {
  /** Elements of A and B as stored (what the raw copies hold). */
  readonly aElems: number;
  readonly bElems: number;
  /** Row stride of the C block in bytes: one panel's columns, padded to whole B strips. */
  readonly blockRowBytes: number;
  readonly rawA: number;
  readonly rawB: number;
  readonly packedA: number;
  readonly packedB: number;
  readonly block: number;
  readonly end: number;
}

function staging(call: GemmCall, es: number): Staging {
  const { m, n, k } = call;
  const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;
  const rows = Math.ceil(m / TILE_ROWS) * TILE_ROWS;
  const blockRowBytes = Math.ceil((Math.min(n, NC) * es) / TILE_B_BYTES) * TILE_B_BYTES;
  const { a: aElems, b: bElems } = gemmSpans(call);
  const rawA = CONTROL_BYTES;
  const rawB = rawA + align(aElems * es);
  const packedA = rawB + align(bElems * es);
  const packedB = packedA + rows * k * es;
  const block = packedB + blockRowBytes * k;
  return { aElems, bElems, blockRowBytes, rawA, rawB, packedA, packedB, block, end: block + rows * blockRowBytes };
}

/** Packs op(B)[:, j0:j0+nc] from its raw copy into column strips at `at.packedB`, zero-padding the last. */
function packB(engine: Engine, call: GemmCall, at: Staging, es: number, j0: number, nc: number): void {
  const { k, ldb, transB } = call;
  const gather = es === 8 ? engine.kernels.gather64 : engine.kernels.gather32;
  const nr = TILE_B_BYTES / es;
  const [rs, ps] = transB ? [ldb * es, es] : [es, ldb * es];
  const src = at.rawB + j0 * rs;
  const full = Math.floor(nc / nr);
  if (full > 0 && !transB) engine.kernels.panel(at.packedB, src, full, k, TILE_B_BYTES / 16, nr * rs, ps);
  else if (full > 0) gather(at.packedB, src, full, k, nr, TILE_B_BYTES, nr * rs, ps, rs);
  const rest = nc - full * nr;
  if (rest > 0) {
    const dst = at.packedB + full * k * TILE_B_BYTES;
    new Uint8Array(engine.memory.buffer, dst, k * TILE_B_BYTES).fill(0);
    gather(dst, src + full * nr * rs, 1, k, rest, TILE_B_BYTES, 0, ps, rs);
  }
}

/** A sigmoid epilogue fused into a float32 product (one panel: n ≤ NC): its bias and derivative outputs. */
interface Epilogue {
  readonly bias: Float32Array;
  readonly d1: Float32Array;
  readonly d2: Float32Array | null;
}

/** Bytes an epilogue stages after the C block: a padded bias row, then d1 (and d2) blocks like C's. */
function epilogueBytes(at: Staging, m: number, epilogue: Epilogue | null): number {
  return epilogue === null ? 0 : at.blockRowBytes * (1 + m * (epilogue.d2 === null ? 1 : 2));
}

function gemmStaged(engine: Engine, call: GemmCall, threads: number, epilogue: Epilogue | null = null): void {
  const { m, n, k, a, b, c, ldc, alpha, beta } = call;
  const f64 = c instanceof Float64Array;
  const es = f64 ? 8 : 4;
  const nr = TILE_B_BYTES / es;
  const at = staging(call, es);
  growMemory(engine.memory, at.end + epilogueBytes(at, m, epilogue));
  const View = f64 ? Float64Array : Float32Array;
  const view = new View(engine.memory.buffer);
  view.set(a.subarray(0, at.aElems), at.rawA / es);
  view.set(b.subarray(0, at.bElems), at.rawB / es);
  const rowStrips = Math.ceil(m / TILE_ROWS);
  const blockBase = at.block / es;
  const blockLd = at.blockRowBytes / es;
  // C ← A·B and C ← A·B + C are the tiles' own stores; other α, β scale afterwards
  const direct = alpha === 1 && (beta === 0 || beta === 1);
  const workers = threads > 1 && engine.pool !== null && 2 * m * n * k >= THREADED_MIN_FLOPS ? engine.pool.ready().slice(0, threads - 1) : [];
  // A is packed by whoever takes its row strips when threads share the product by rows (the first
  // panel packs, later ones reuse), else here, before any tiles
  const rawA: RawA = { src: at.rawA, transA: call.transA, lda: call.lda, m };
  const sharedByRows = workers.length > 0 && rowStrips >= Math.ceil(Math.min(n, NC) / nr);
  if (!sharedByRows) packAStrips(engine.ctx, rawA, k, es, at.packedA, 0, rowStrips);
  const staged = epilogue === null ? null : stageEpilogue(engine, at, m, n, epilogue);
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    const colStrips = Math.ceil(nc / nr);
    packB(engine, call, at, es, j0, nc);
    if (direct && beta === 1) for (let i = 0; i < m; i++) view.set(c.subarray(i * ldc + j0, i * ldc + j0 + nc), blockBase + i * blockLd);
    // the epilogue (one panel only) runs with the tiles, on rows as they are done, unless columns are shared
    const withTiles = staged !== null && (workers.length === 0 || sharedByRows);
    const base: TileJob = { f64, k, r0: 0, r1: rowStrips, s0: 0, s1: colStrips, pa: at.packedA, pb: at.packedB, pc: at.block, ldc: at.blockRowBytes, accumulate: direct && beta === 1 };
    const job: TileJob = withTiles ? { ...base, epilogue: staged.tiles } : base;
    // the threads take chunks of the longer side of the tile grid as they go
    if (workers.length === 0) runJob(engine.ctx, job);
    else if (sharedByRows) runTogether(engine.pool, engine.ctx, workers, { ...job, shared: "rows", ...(j0 === 0 ? { rawA } : {}) });
    else runTogether(engine.pool, engine.ctx, workers, { ...job, shared: rowStrips >= colStrips ? "rows" : "columns" });
    if (staged !== null && !withTiles) runShares(engine.pool, engine.ctx, workers, m, (_, from, to) => ({ kernel: "sigmoid32", args: epilogueArgs(at, staged.tiles, from, to) }));
    const outputs: [Float32Array | Float64Array, number][] = [[c, blockBase], ...(staged?.outputs ?? [])];
    // rows as laid out in the caller's C (and d1, d2): one copy each when the block's rows match
    if (direct && blockLd === nc && ldc === nc) {
      for (const [out, base] of outputs) out.set(view.subarray(base, base + m * nc), j0);
      continue;
    }
    for (let i = 0; i < m; i++) {
      const src = blockBase + i * blockLd;
      const dst = i * ldc + j0;
      if (direct) for (const [out, base] of outputs) out.set(view.subarray(base + i * blockLd, base + i * blockLd + nc), dst);
      else if (beta === 0) for (let q = 0; q < nc; q++) c[dst + q] = alpha * view[src + q]!;
      else for (let q = 0; q < nc; q++) c[dst + q] = alpha * view[src + q]! + beta * c[dst + q]!;
    }
  }
}

/** A sigmoid epilogue staged after the C block: the tiles' view of it, and the outputs to copy back (with element offsets). */
interface StagedEpilogue {
  readonly tiles: TileEpilogue;
  readonly outputs: [Float32Array, number][];
}

/** Stages the epilogue's bias row after the C block and places d1 (and d2) in blocks laid out like C's after it. */
function stageEpilogue(engine: Engine, at: Staging, m: number, n: number, epilogue: Epilogue): StagedEpilogue {
  const rowBytes = at.blockRowBytes;
  const biasAt = at.end;
  const d1At = biasAt + rowBytes;
  const d2At = epilogue.d2 === null ? 0 : d1At + m * rowBytes;
  const bias = new Float32Array(engine.memory.buffer, biasAt, rowBytes / 4);
  bias.fill(0);
  bias.set(epilogue.bias.subarray(0, n));
  const outputs: [Float32Array, number][] = [[epilogue.d1, d1At / 4]];
  if (epilogue.d2 !== null) outputs.push([epilogue.d2, d2At / 4]);
  return { tiles: { bias: biasAt, d1: d1At, d2: d2At, rows: m }, outputs };
}

/** sigmoid32's arguments for C's rows [from, to). */
function epilogueArgs(at: Staging, e: TileEpilogue, from: number, to: number): number[] {
  const o = from * at.blockRowBytes;
  return [at.block + o, e.bias, e.d1 + o, e.d2 === 0 ? 0 : e.d2 + o, to - from, at.blockRowBytes];
}

/** The fused product and epilogue, for float32 sigmoid layers of at most NC units whose operands fit the staging limit; false (nothing touched) for others. */
function gemmActivateWasm(engine: Engine, call: GemmCall, threads: number, code: ActivationCode, bias: TypedArray, d1: TypedArray, d2: TypedArray | null): boolean {
  const { m, n, k, alpha, beta, ldc, c } = call;
  if (code !== ACTIVATION_TABLE.sigmoid.code || !(c instanceof Float32Array) || !(bias instanceof Float32Array) || !(d1 instanceof Float32Array) || !(d2 === null || d2 instanceof Float32Array)) return false;
  if (alpha !== 1 || beta !== 0 || ldc !== n || m === 0 || n === 0 || k === 0 || n > NC) return false;
  if (bias.length < n || d1.length < m * n || (d2 !== null && d2.length < m * n)) return false;
  const epilogue = { bias, d1, d2 };
  const at = staging(call, 4);
  if (at.end + epilogueBytes(at, m, epilogue) > engine.stagingLimit) return false;
  gemmStaged(engine, call, threads, epilogue);
  return true;
}

/** The call on rows [m0, m0+rows) of op(A) and C. */
function rowSlice(call: GemmCall, m0: number, rows: number): GemmCall {
  const a = call.transA ? call.a.subarray(m0) : call.a.subarray(m0 * call.lda);
  return { ...call, m: rows, a, c: call.c.subarray(m0 * call.ldc) };
}

/** The call on k-steps [k0, k0+steps), accumulating into C unless it is the first. */
function depthSlice(call: GemmCall, k0: number, steps: number): GemmCall {
  const a = call.transA ? call.a.subarray(k0 * call.lda) : call.a.subarray(k0);
  const b = call.transB ? call.b.subarray(k0) : call.b.subarray(k0 * call.ldb);
  return { ...call, k: steps, a, b, beta: k0 === 0 ? call.beta : 1 };
}

function gemmWasm(engine: Engine, call: GemmCall, threads: number): void {
  const { m, n, k, c, ldc, alpha, beta } = call;
  if (k === 0 || alpha === 0) {
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) c[i * ldc + j] = beta === 0 ? 0 : beta * c[i * ldc + j]!;
    return;
  }
  const es = c instanceof Float64Array ? 8 : 4;
  if (staging(call, es).end > engine.stagingLimit && (m > TILE_ROWS || k > 1)) {
    // halve the larger of m and k until the operands fit the staging limit
    if (m > TILE_ROWS && (m >= k || k === 1)) {
      const half = Math.ceil(m / 2 / TILE_ROWS) * TILE_ROWS;
      gemmWasm(engine, rowSlice(call, 0, half), threads);
      gemmWasm(engine, rowSlice(call, half, m - half), threads);
    } else {
      const half = Math.ceil(k / 2);
      gemmWasm(engine, depthSlice(call, 0, half), threads);
      gemmWasm(engine, depthSlice(call, half, k - half), threads);
    }
    return;
  }
  gemmStaged(engine, call, threads);
}

function backendOf(engine: Engine, threads: number): GemmBackend {
  const name = `portable-wasm-${engine.fma ? "relaxed-simd" : "simd"}`;
  const portable = portableLayerSteps;
  // the module's kernels take float32 (and the sigmoid epilogue only); the rest runs in TypeScript
  const activate: GemmBackend["activate"] = (code, c, bias, d1, d2, rows, width) => {
    if (!activateWasm(engine, threads, code, c, bias, d1, d2, rows, width)) portable.activate(code, c, bias, d1, d2, rows, width);
  };
  const gemm = (call: GemmCall): void => gemmWasm(engine, call, threads);
  return {
    name,
    get threads(): number {
      return engine.pool === null ? 1 : Math.min(threads, 1 + engine.pool.ready().length);
    },
    gemm,
    activate,
    gemmActivate: (call, code, bias, d1, d2) => {
      if (gemmActivateWasm(engine, call, threads, code, bias, d1, d2)) return;
      gemm(call);
      activate(code, call.c, bias, d1, d2, call.m, call.n);
    },
    sigmoidCrossEntropy: (y, t, grad, hessian, n) => {
      const value = sigmoidCrossEntropyWasm(engine, threads, y, t, grad, hessian?.out ?? null, n);
      if (value === null) return portable.sigmoidCrossEntropy(y, t, grad, hessian, n);
      if (hessian !== null) scaleByU(hessian, n);
      return value;
    },
    backwardStep: (g, d1, rg, d2, bias, rows, width) => {
      if (!backwardStepWasm(engine, threads, g, d1, rg, d2, bias, rows, width)) portable.backwardStep(g, d1, rg, d2, bias, rows, width);
    },
    rForwardStep: (rz, vb, d1, d2, p2, rows, width) => {
      if (!rForwardStepWasm(engine, threads, rz, vb, d1, d2, p2, rows, width)) portable.rForwardStep(rz, vb, d1, d2, p2, rows, width);
    },
    convert: portable.convert,
    whenReady: () => engine.pool?.whenReady() ?? Promise.resolve(),
    withThreads: (t: number) => backendOf(engine, Math.max(1, Math.min(t, threads))),
  };
}

/**
 * The WebAssembly SIMD backend, or null where WebAssembly SIMD is unavailable. Runs in browsers
 * and Node alike; accumulates in the element type (as the native backend does). With
 * `threads` > 1 and a `spawnWorker`, products are split between the caller and workers over
 * shared memory once the workers are up (until then, and for small products, the caller works alone).
 */
export function wasmBackend(options: WasmBackendOptions = {}): GemmBackend | null {
  const engine = createEngine(options);
  if (engine === null) return null;
  return backendOf(engine, engine.pool === null ? 1 : engine.pool.size + 1);
}
