/** @file `hessian-lab bench --profile`: where a gradient, Gv, Hv or Fv product's time goes — GEMMs by layer shape, elementwise steps, the rest, page faults, GC */
import { PerformanceObserver } from "node:perf_hooks";
import { setGemmBackend, type GemmBackend } from "../kernels/backends/backend.js";
import { profiledBackend, type KernelProfile } from "../kernels/backends/profiledBackend.js";
import { OPS, setup, type ChildJob, type ModelName, type Op } from "./benchWorkload.js";

/** One kernel's share of a product, per product (means over the timed products). */
export interface KernelShare {
  readonly kernel: string;
  readonly calls: number;
  readonly ms: number;
  /** GEMMs only (NaN for the elementwise steps). */
  readonly gflops: number;
}

/** The breakdown of one product kind, per product. */
export interface ProfileRow {
  readonly model: ModelName;
  readonly op: Op;
  readonly products: number;
  readonly total_ms: number;
  readonly gemm_ms: number;
  readonly elementwise_ms: number;
  /** total − kernels: JavaScript between the calls (loss terms, copies, allocation, zero-fill). */
  readonly other_ms: number;
  /** Minor page faults (first touches of fresh memory) and garbage-collection pauses, per product. */
  readonly minor_page_faults: number;
  readonly gc_ms: number;
  readonly kernels: readonly KernelShare[];
}

/** Waits one macrotask, so pending PerformanceObserver entries are delivered. */
const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Profiles each product kind of one model in this process: `warmup` untimed products, then
 * `repeats` products with every backend call timed. The kernels are timed one call at a time, so
 * their sum is slightly above their share of a plain run; `total_ms` is measured around the
 * products themselves.
 */
export async function profileModel(job: Omit<ChildJob, "op">, backend: GemmBackend): Promise<ProfileRow[]> {
  const rows: ProfileRow[] = [];
  for (const op of OPS) {
    const { run } = setup({ ...job, op });
    for (let i = 0; i < job.warmup; i++) run();
    const profile: KernelProfile = new Map();
    let gcMs = 0;
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) gcMs += entry.duration;
    });
    observer.observe({ entryTypes: ["gc"] });
    setGemmBackend(profiledBackend(backend, profile, job.batch));
    const faults0 = process.resourceUsage().minorPageFault;
    const t0 = performance.now();
    try {
      for (let i = 0; i < job.repeats; i++) run();
    } finally {
      setGemmBackend(backend);
    }
    const total = performance.now() - t0;
    const faults = process.resourceUsage().minorPageFault - faults0;
    await tick();
    observer.disconnect();
    const n = job.repeats;
    const kernels = [...profile].map(([kernel, t]) => ({
      kernel,
      calls: t.calls / n,
      ms: t.ms / n,
      gflops: kernel.startsWith("gemm") ? t.flops / (t.ms * 1e6) : NaN,
    }));
    const sum = (gemm: boolean): number => kernels.filter((k) => k.kernel.startsWith("gemm") === gemm).reduce((s, k) => s + k.ms, 0);
    const gemmMs = sum(true);
    const elementwiseMs = sum(false);
    rows.push({
      model: job.model,
      op,
      products: n,
      total_ms: total / n,
      gemm_ms: gemmMs,
      elementwise_ms: elementwiseMs,
      other_ms: total / n - gemmMs - elementwiseMs,
      minor_page_faults: faults / n,
      gc_ms: gcMs / n,
      kernels: kernels.sort((a, b) => b.ms - a.ms),
    });
  }
  return rows;
}

/** The profile as text: a line per product kind, then its kernels. */
export function formatProfile(rows: readonly ProfileRow[]): string {
  const f = (x: number, w = 8): string => x.toFixed(1).padStart(w);
  const lines = [`${"op".padEnd(20)} ${"total ms".padStart(8)} ${"GEMM".padStart(8)} ${"elemwise".padStart(8)} ${"other".padStart(8)} ${"faults".padStart(8)} ${"GC ms".padStart(8)}`];
  for (const r of rows) {
    lines.push(`${`${r.model} ${r.op}`.padEnd(20)} ${f(r.total_ms)} ${f(r.gemm_ms)} ${f(r.elementwise_ms)} ${f(r.other_ms)} ${r.minor_page_faults.toFixed(0).padStart(8)} ${f(r.gc_ms)}`);
    for (const k of r.kernels) {
      const rate = Number.isFinite(k.gflops) ? `, ${k.gflops.toFixed(0)} GFLOP/s` : "";
      lines.push(`    ${k.kernel.padEnd(22)} ${k.calls.toFixed(0).padStart(3)} calls ${f(k.ms, 7)} ms${rate}`);
    }
  }
  return lines.join("\n");
}
