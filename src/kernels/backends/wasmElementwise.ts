/** @file the WebAssembly backend's elementwise hooks (float32): operands staged in the module's memory around its SIMD kernels */
import { ACTIVATION_TABLE, type ActivationCode } from "../activations.js";
import type { TypedArray } from "../ndarray.js";
import { growMemory, type KernelExports } from "./wasmModule.js";
import type { KernelJob, ThreadContext } from "./wasmJobs.js";
import { CONTROL_BYTES, runShares, type WorkerPool } from "./wasmThreads.js";

// Each hook copies its operands into the module's memory (one memcpy a row, or one for the whole
// matrix when its width is already whole vectors), runs a kernel, and copies results back: a few
// ms of copies for the autoencoder's 4.3 M units per batch, against tens of ms for the same loops
// in JavaScript. float64 operands return "not handled", and the backend hands them to TypeScript. Large steps split
// their rows between the calling thread and the workers (the copies stay on the calling thread).

/** What the hooks need of the backend: its memory, kernels and workers. */
export interface ElementwiseEngine {
  readonly memory: WebAssembly.Memory;
  readonly kernels: KernelExports;
  readonly ctx: ThreadContext;
  readonly pool: WorkerPool | null;
}

/** Elements below which a step runs on the calling thread alone (a job's round trip is ~10–50 µs). */
const SHARED_MIN_ELEMENTS = 1 << 15;

/** Ready workers to share a step of `elements` elements with (at most threads − 1). */
function helpers(engine: ElementwiseEngine, threads: number, elements: number): number[] {
  return engine.pool === null || threads < 2 || elements < SHARED_MIN_ELEMENTS ? [] : engine.pool.ready().slice(0, threads - 1);
}

/** Runs a row-wise kernel over `rows` padded rows, split between threads: `job(share, from, to, offset)` for rows [from, to), offset = from·rowBytes. */
function shareRows(engine: ElementwiseEngine, workers: number[], rows: number, rowBytes: number, job: (share: number, from: number, to: number, offset: number) => KernelJob): void {
  runShares(engine.pool, engine.ctx, workers, rows, (share, from, to) => job(share, from, to, from * rowBytes));
}

/** address + offset, keeping 0 (an absent operand) as 0. */
const shifted = (address: number, offset: number): number => (address === 0 ? 0 : address + offset);

/** Bytes of one staged matrix chunk (rows are processed in chunks of at most this). */
const CHUNK_BYTES = 16 << 20;

function isF32(x: TypedArray | null): x is Float32Array | null {
  return x === null || x instanceof Float32Array;
}

/** Copies rows × width values from `src` (row stride srcLd) to `dst` (row stride dstLd). */
function copyRows(src: Float32Array, srcLd: number, dst: Float32Array, dstLd: number, rows: number, width: number): void {
  if (srcLd === width && dstLd === width) {
    dst.set(src.subarray(0, rows * width));
    return;
  }
  for (let r = 0; r < rows; r++) dst.set(src.subarray(r * srcLd, r * srcLd + width), r * dstLd);
}

/** A rows × width matrix to stage: copied in before the kernel and/or back after it. */
interface Staged {
  readonly data: Float32Array | null;
  readonly copyIn: boolean;
  readonly copyOut: boolean;
}

/**
 * Runs `kernel(addresses, headAt, rows, rowBytes)` over row chunks of the matrices, staged with rows
 * padded to whole vectors (ld = width rounded up to 4); an absent matrix gets address 0. `head` is a
 * region of `headBytes` before them that persists across chunks (a bias row, or column sums).
 */
function overStagedRows(
  engine: ElementwiseEngine,
  rows: number,
  width: number,
  matrices: Staged[],
  headBytes: number,
  kernel: (addresses: number[], headAt: number, rows: number, rowBytes: number) => void,
): void {
  const ld = Math.ceil(width / 4) * 4;
  const chunk = Math.max(1, Math.min(rows, Math.floor(CHUNK_BYTES / (4 * ld))));
  const headAt = CONTROL_BYTES;
  let next = headAt + Math.ceil(headBytes / 16) * 16;
  const addresses = matrices.map((m) => {
    if (m.data === null) return 0;
    const at = next;
    next += 4 * ld * chunk;
    return at;
  });
  growMemory(engine.memory, next);
  const view = new Float32Array(engine.memory.buffer);
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const n = Math.min(chunk, rows - r0);
    matrices.forEach((m, i) => {
      if (m.data !== null && m.copyIn) copyRows(m.data.subarray(r0 * width), width, view.subarray(addresses[i]! / 4), ld, n, width);
    });
    kernel(addresses, headAt, n, 4 * ld);
    matrices.forEach((m, i) => {
      if (m.data !== null && m.copyOut) copyRows(view.subarray(addresses[i]! / 4), ld, m.data.subarray(r0 * width), width, n, width);
    });
  }
}

/** A padded float32 row at `at` holding `row` then zeros. */
function stageRow(engine: ElementwiseEngine, at: number, row: Float32Array, width: number): void {
  const ld = Math.ceil(width / 4) * 4;
  const view = new Float32Array(engine.memory.buffer, at, ld);
  view.fill(0);
  view.set(row.subarray(0, width));
}

/** LayerSteps.activate for the float32 sigmoid epilogue (the autoencoders' activation); false, touching nothing, for others. */
export function activateWasm(engine: ElementwiseEngine, threads: number, code: ActivationCode, c: TypedArray, bias: TypedArray, d1: TypedArray, d2: TypedArray | null, rows: number, width: number): boolean {
  if (code !== ACTIVATION_TABLE.sigmoid.code || !(c instanceof Float32Array) || !(bias instanceof Float32Array) || !(d1 instanceof Float32Array) || !isF32(d2)) return false;
  if (rows === 0 || width === 0) return true;
  const workers = helpers(engine, threads, rows * width);
  const matrices = [{ data: c, copyIn: true, copyOut: true }, { data: d1, copyIn: false, copyOut: true }, { data: d2, copyIn: false, copyOut: true }];
  overStagedRows(engine, rows, width, matrices, 4 * Math.ceil(width / 4) * 4, ([cAt, d1At, d2At], biasAt, n, rowBytes) => {
    // the bias row is staged inside the callback: the memory is grown by then
    stageRow(engine, biasAt, bias, width);
    shareRows(engine, workers, n, rowBytes, (_, from, to, o) => ({ kernel: "sigmoid32", args: [cAt! + o, biasAt, d1At! + o, shifted(d2At!, o), to - from, rowBytes] }));
  });
  return true;
}

/** LayerSteps.backwardStep in float32: g ← g⊙d1 (and the R-pass's rg), bias ← column sums accumulated in float64; false for float64. */
export function backwardStepWasm(engine: ElementwiseEngine, threads: number, g: TypedArray, d1: TypedArray, rg: TypedArray | null, d2: TypedArray | null, bias: TypedArray, rows: number, width: number): boolean {
  if (!(g instanceof Float32Array) || !(d1 instanceof Float32Array) || !isF32(rg) || !isF32(d2) || !(bias instanceof Float32Array)) return false;
  if (width === 0) return true;
  const ld = Math.ceil(width / 4) * 4;
  const workers = helpers(engine, threads, rows * width);
  // each share sums its rows' columns into its own float64 row; the rows are added up at the end
  const shares = workers.length + 1;
  let sums: Float64Array | null = null;
  const matrices = [
    { data: g, copyIn: true, copyOut: true },
    { data: d1, copyIn: true, copyOut: false },
    { data: rg, copyIn: true, copyOut: true },
    { data: rg === null ? null : d2, copyIn: true, copyOut: false },
  ];
  overStagedRows(engine, rows, width, matrices, 8 * ld * shares, ([gAt, d1At, rgAt, d2At], accAt, n, rowBytes) => {
    if (sums === null) {
      sums = new Float64Array(engine.memory.buffer, accAt, ld * shares);
      sums.fill(0);
    }
    shareRows(engine, workers, n, rowBytes, (share, from, to, o) => ({ kernel: "backward32", args: [gAt! + o, d1At! + o, shifted(rgAt!, o), shifted(d2At!, o), accAt + share * 8 * ld, to - from, rowBytes] }));
  });
  if (sums === null) {
    bias.fill(0, 0, width);
    return true;
  }
  const acc = new Float64Array(engine.memory.buffer, CONTROL_BYTES, ld * shares);
  for (let j = 0; j < width; j++) {
    let total = acc[j]!;
    for (let s = 1; s < shares; s++) total += acc[s * ld + j]!;
    bias[j] = total;
  }
  return true;
}

/** LayerSteps.rForwardStep in float32: r = rz + vb; p2 ← d2⊙r (when d2 is given); rz ← d1⊙r; false for float64. */
export function rForwardStepWasm(engine: ElementwiseEngine, threads: number, rz: TypedArray, vb: TypedArray, d1: TypedArray, d2: TypedArray | null, p2: TypedArray | null, rows: number, width: number): boolean {
  if (!(rz instanceof Float32Array) || !(vb instanceof Float32Array) || !(d1 instanceof Float32Array) || !isF32(d2) || !isF32(p2)) return false;
  if (rows === 0 || width === 0) return true;
  const workers = helpers(engine, threads, rows * width);
  const second = d2 !== null && p2 !== null;
  const matrices = [
    { data: rz, copyIn: true, copyOut: true },
    { data: d1, copyIn: true, copyOut: false },
    { data: second ? d2 : null, copyIn: true, copyOut: false },
    { data: second ? p2 : null, copyIn: false, copyOut: true },
  ];
  overStagedRows(engine, rows, width, matrices, 4 * Math.ceil(width / 4) * 4, ([rzAt, d1At, d2At, p2At], vbAt, n, rowBytes) => {
    stageRow(engine, vbAt, vb, width);
    shareRows(engine, workers, n, rowBytes, (_, from, to, o) => ({ kernel: "rforward32", args: [rzAt! + o, vbAt, d1At! + o, shifted(d2At!, o), shifted(p2At!, o), to - from, rowBytes] }));
  });
  return true;
}

/**
 * LayerSteps.sigmoidCrossEntropy from float32 logits, or null for float64: staged flat in rows of
 * at most CHUNK_BYTES, padded to whole vectors; the module sums the terms in float64 per lane.
 */
export function sigmoidCrossEntropyWasm(engine: ElementwiseEngine, threads: number, y: TypedArray, t: TypedArray, grad: TypedArray, hdiag: TypedArray | null, n: number): number | null {
  if (!(y instanceof Float32Array) || !(t instanceof Float32Array) || !(grad instanceof Float32Array) || !isF32(hdiag)) return null;
  if (n === 0) return 0;
  const workers = helpers(engine, threads, n);
  // 4 float64 lane sums per share
  const shares = workers.length + 1;
  const width = Math.min(n, CHUNK_BYTES / 4);
  let sums: Float64Array | null = null;
  for (let i0 = 0; i0 < n; i0 += width) {
    const len = Math.min(width, n - i0);
    const part = (x: Float32Array | null): Float32Array | null => (x === null ? null : x.subarray(i0, i0 + len));
    const matrices = [
      { data: part(y), copyIn: true, copyOut: false },
      { data: part(t), copyIn: true, copyOut: false },
      { data: part(grad), copyIn: false, copyOut: true },
      { data: part(hdiag), copyIn: false, copyOut: true },
    ];
    overStagedRows(engine, 1, len, matrices, 32 * shares, ([yAt, tAt, gradAt, hAt], sumsAt, _rows, rowBytes) => {
      if (sums === null) {
        sums = new Float64Array(engine.memory.buffer, sumsAt, 4 * shares);
        sums.fill(0);
      }
      // padding lanes: y = −1000, t = 0 add softplus(−1000) ≈ 1e-38 (the exp's floor), not ln 2
      const view = new Float32Array(engine.memory.buffer);
      view.fill(-1000, yAt! / 4 + len, (yAt! + rowBytes) / 4);
      view.fill(0, tAt! / 4 + len, (tAt! + rowBytes) / 4);
      runShares(engine.pool, engine.ctx, workers, rowBytes / 16, (share, from, to) => {
        const o = 16 * from;
        return { kernel: "sigmoidCe32", args: [yAt! + o, tAt! + o, gradAt! + o, shifted(hAt!, o), sumsAt + 32 * share, to - from] };
      });
    });
  }
  let total = 0;
  for (const x of new Float64Array(engine.memory.buffer, CONTROL_BYTES, 4 * shares)) total += x;
  return total;
}
