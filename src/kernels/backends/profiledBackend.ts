/** @file a backend wrapper that times every GEMM and layer step it forwards: where a product's time goes */
import type { GemmBackend, GemmCall } from "./backend.js";

/** Calls, milliseconds and (for GEMMs) floating-point operations of one kind of kernel call. */
export interface KernelTally {
  calls: number;
  ms: number;
  flops: number;
}

/**
 * Tallies keyed by kernel: GEMMs by "gemm a×b XY" with {a, b} the two sizes of the call other than
 * the batch and XY its transposes — for a dense layer NN is the forward a·W (and R-forward), TN the
 * weight gradient aᵀδ, NT the input gradient δ·Wᵀ; layers of equal shape share a key — and the
 * elementwise steps by their LayerSteps name.
 */
export type KernelProfile = Map<string, KernelTally>;

function tally(profile: KernelProfile, key: string, ms: number, flops: number): void {
  const t = profile.get(key);
  if (t === undefined) profile.set(key, { calls: 1, ms, flops });
  else {
    t.calls += 1;
    t.ms += ms;
    t.flops += flops;
  }
}

/** The GEMM's key: its sizes without the batch dimension `rows` (the first one that equals it). */
function gemmKey(call: GemmCall, rows: number): string {
  const dims = [call.m, call.n, call.k];
  const at = dims.indexOf(rows);
  if (at >= 0) dims.splice(at, 1);
  else dims.pop();
  return `gemm ${[...dims].sort((a, b) => a - b).join("×")} ${call.transA ? "T" : "N"}${call.transB ? "T" : "N"}`;
}

/**
 * `inner` with every call timed into `profile` (performance.now around each, ~1 µs of overhead a call,
 * against the ~100 µs and up a product's kernels take). `rows` is the batch size, used to key GEMMs.
 * gemmActivate counts as a GEMM: its epilogue is fused and cannot be timed apart.
 */
export function profiledBackend(inner: GemmBackend, profile: KernelProfile, rows: number): GemmBackend {
  const timed = <T>(key: string, flops: number, f: () => T): T => {
    const t0 = performance.now();
    const r = f();
    tally(profile, key, performance.now() - t0, flops);
    return r;
  };
  const flopsOf = (call: GemmCall): number => 2 * call.m * call.n * call.k;
  return {
    name: `${inner.name} (profiled)`,
    threads: inner.threads,
    ...(inner.whenReady === undefined ? {} : { whenReady: inner.whenReady }),
    gemm: (call) => timed(gemmKey(call, rows), flopsOf(call), () => inner.gemm(call)),
    gemmActivate: (call, code, bias, d1, d2) => timed(gemmKey(call, rows), flopsOf(call), () => inner.gemmActivate(call, code, bias, d1, d2)),
    activate: (code, c, bias, d1, d2, r, width) => timed("activate", 0, () => inner.activate(code, c, bias, d1, d2, r, width)),
    backwardStep: (g, d1, rg, d2, bias, r, width) => timed("backwardStep", 0, () => inner.backwardStep(g, d1, rg, d2, bias, r, width)),
    rForwardStep: (rz, vb, d1, d2, p2, r, width) => timed("rForwardStep", 0, () => inner.rForwardStep(rz, vb, d1, d2, p2, r, width)),
    sigmoidCrossEntropy: (y, t, grad, hessian, n) => timed("sigmoidCrossEntropy", 0, () => inner.sigmoidCrossEntropy(y, t, grad, hessian, n)),
    convert: (src, dst) => timed("convert", 0, () => inner.convert(src, dst)),
  };
}
