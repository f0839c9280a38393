/** @file `hessian-lab bench`: gradient, Hv, Gv and Fisher-product timings, GEMM GFLOP/s and peak memory, optionally beside PyTorch */
import { Option } from "commander";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { ALLOCATOR_POLICY, Rng, tuneAllocator, type DType } from "../node.js";
import { gemm, setGemmBackend, type GemmBackend } from "../kernels/backends/backend.js";
import type { BackendChoice } from "../kernels/backends/install.js";
import { BACKENDS, MODEL_NAMES, OPS, PATHS, parseChildJob, runChild, spawnChild, useBackend, type ChildResult, type ModelName, type Op, type PathName } from "./benchWorkload.js";
import { formatProfile, profileModel, type ProfileRow } from "./benchProfile.js";
import { choice, CliError, EXIT, integer, type CommandSpec, type Io } from "./command.js";
import { progress } from "./progress.js";

interface BenchOptions {
  readonly repeats: number;
  readonly warmup: number;
  readonly rounds: number;
  readonly torch: boolean;
  readonly path: PathName;
  readonly backend: BackendChoice;
  readonly models: string;
  readonly batch: number;
  readonly dtype: DType;
  readonly gemm: boolean;
  readonly profile: boolean;
  /** Internal: run one workload in this (child) process and print its measurements as JSON. */
  readonly child?: string;
}

/** Medians in milliseconds and peak resident memory in MiB of one model's workloads. */
interface Timings {
  readonly grad_ms: number;
  readonly hv_ms: number;
  readonly gv_ms: number;
  /** The MC Fisher's product (NaN for PyTorch, which the benchmark does not ask for it). */
  readonly fv_ms: number;
  /** The largest peak RSS of the workloads (each runs in its own process). */
  readonly peak_rss_mb: number;
  readonly peak_rss_by_op_mb: Readonly<Record<Op, number>>;
}

/** One row of results. */
export interface BenchRow extends Timings {
  readonly model: string;
  readonly path: string;
  readonly backend: string;
  readonly batch: number;
  readonly dtype: DType;
  readonly parameters: number;
  /** RSS after setup (model, data, θ, v), before the first product: what every workload starts from. */
  readonly base_rss_mb: number;
  /** Hv and Gv when one operator is applied repeatedly at a fixed θ (Lanczos, CG): the forward pass is reused. */
  readonly hv_reuse_ms: number;
  readonly gv_reuse_ms: number;
  readonly fv_reuse_ms: number;
  /** Median over pairs of fresh products alternating in one process of Fisher time / GGN time (the target is ≤ 1.2). */
  readonly fisher_over_ggn: number;
  /** The same workloads in PyTorch, measured interleaved with ours (with --torch). */
  readonly torch?: Timings;
  /** Why PyTorch did not run (with --torch): e.g. torch not installed for /usr/bin/python3. */
  readonly torch_error?: string;
  /** ours/torch time ratios (with --torch); the targets are grad ≤ 1, hv ≤ 0.8, gv ≤ 0.9. */
  readonly ratio?: { readonly grad: number; readonly hv: number; readonly gv: number };
}

/** The JSON of `bench --json`. */
export interface BenchResult {
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly node: string;
    readonly cpu_flags: readonly string[];
    /** "tuned" when tuneAllocator's policy is in force (for PyTorch's process too), else "glibc default". */
    readonly malloc: string;
  };
  readonly backend: string;
  readonly repeats: number;
  readonly rounds: number;
  readonly results: readonly BenchRow[];
  /** With --profile: the time breakdown of each product (and no timing table). */
  readonly profile?: readonly ProfileRow[];
  readonly gemm: readonly { readonly n: number; readonly gflops: number; readonly threads: number }[];
  readonly torch?:
    | {
        readonly torch: string;
        readonly threads: number;
        /** What OpenBLAS ran: its core (kernel family) and thread count, read from the loaded library. */
        readonly openblas: { readonly library: string | null; readonly core: string; readonly threads: number };
        /** float32 gradient and Gv against float64 (relative errors), checked before timing. */
        readonly check: { readonly grad: number; readonly gv: number };
        readonly gemm: readonly { readonly n: number; readonly gflops: number }[];
      }
    | { readonly error: string };
}

/** The SIMD flags of /proc/cpuinfo that decide which kernels run (empty off Linux). */
function cpuFlags(): string[] {
  const wanted = ["avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512_vnni", "avx512_bf16"];
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("flags"));
    const have = new Set((line ?? "").slice((line ?? "").indexOf(":") + 1).trim().split(/\s+/));
    return wanted.filter((f) => have.has(f));
  } catch {
    return [];
  }
}

function cpuModel(): string {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("model name"));
    if (line !== undefined) return line.slice(line.indexOf(":") + 1).trim();
  } catch {
    // not Linux: fall back to what os.cpus() says
  }
  return cpus()[0]?.model ?? "unknown";
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * GFLOP/s of square float32 products at a few sizes: medians over at least ~0.3 s per thread count
 * after a warm-up call, the one-thread and all-thread products alternating call by call, so the
 * scaling ratio compares the two under the same load (the machine drifts within seconds).
 */
function gemmRates(backend: GemmBackend): { n: number; gflops: number; threads: number }[] {
  const out: { n: number; gflops: number; threads: number }[] = [];
  const variants = backend.threads > 1 && backend.withThreads !== undefined ? [backend.withThreads(1), backend] : [backend];
  for (const n of [256, 512, 1024]) {
    const rng = new Rng(n);
    const a = new Float32Array(n * n).map(() => rng.uniform() - 0.5);
    const b = new Float32Array(n * n).map(() => rng.uniform() - 0.5);
    const c = new Float32Array(n * n);
    const call = { transA: false, transB: false, m: n, n, k: n, alpha: 1, a, lda: n, b, ldb: n, beta: 0, c, ldc: n };
    const timed = (variant: GemmBackend): number => {
      setGemmBackend(variant);
      const t0 = performance.now();
      gemm(call);
      return (2 * n ** 3) / ((performance.now() - t0) * 1e6);
    };
    for (const variant of variants) timed(variant);
    const rates: number[][] = variants.map(() => []);
    const start = performance.now();
    while (rates[0]!.length < 3 || performance.now() - start < 300 * variants.length) {
      variants.forEach((variant, i) => rates[i]!.push(timed(variant)));
      if (rates[0]!.length >= 50) break;
    }
    variants.forEach((variant, i) => out.push({ n, gflops: median(rates[i]!), threads: variant.threads }));
  }
  setGemmBackend(backend);
  return out;
}

const PYTHON = process.env.HESSIAN_LAB_PYTHON ?? "/usr/bin/python3";
const TORCH_SCRIPT = fileURLToPath(new URL("../../bench/torch_bench.py", import.meta.url));

/** Runs bench/torch_bench.py with Debian's python3 (the one that sees torch); an error line if it cannot. */
function runTorchScript(args: readonly string[]): unknown {
  if (!existsSync(TORCH_SCRIPT)) return { error: `${TORCH_SCRIPT} is missing` };
  // OpenBLAS on its own kernels: the guard variables this environment may set (for old OpenBLAS
  // builds on some CPUs) would pin it to Haswell's; removed for the PyTorch process alone
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  // the malloc policy our side runs under (tuneAllocator, idempotent), through glibc's own
  // variables, so both sides allocate alike; when ours is not tuned, neither is PyTorch's
  if (tuneAllocator()) {
    env.MALLOC_MMAP_THRESHOLD_ = String(ALLOCATOR_POLICY.mmapThresholdBytes);
    env.MALLOC_TRIM_THRESHOLD_ = String(ALLOCATOR_POLICY.trimThresholdBytes);
  }
  const r = spawnSync(PYTHON, [TORCH_SCRIPT, ...args], { encoding: "utf8", maxBuffer: 1 << 24, env });
  if (r.error !== undefined) return { error: `${PYTHON}: ${r.error.message}` };
  if (r.status !== 0) return { error: (r.stderr || r.stdout).trim().split("\n").pop() ?? "the torch benchmark failed" };
  return JSON.parse(r.stdout.trim().split("\n").pop() ?? "null") as unknown;
}

function isChildTimes(x: unknown): x is { times_ms: number[]; peak_rss_mb: number } {
  return typeof x === "object" && x !== null && "times_ms" in x && Array.isArray(x.times_ms) && "peak_rss_mb" in x && typeof x.peak_rss_mb === "number";
}

function summarize(times: Readonly<Record<Op, number[]>>, peaks: Readonly<Record<Op, number>>): Timings {
  return {
    grad_ms: median(times.grad),
    hv_ms: median(times.hv),
    gv_ms: median(times.gv),
    fv_ms: times.fv.length > 0 ? median(times.fv) : NaN,
    peak_rss_mb: Math.max(peaks.grad, peaks.hv, peaks.gv, peaks.fv),
    peak_rss_by_op_mb: { ...peaks },
  };
}

/**
 * One model: `rounds` rounds, each running every workload once in a fresh process — ours, then
 * PyTorch's when asked — so slow drifts in machine load hit both sides alike; medians over all.
 */
function benchModel(model: ModelName, options: BenchOptions, backendName: string, status: { update(m: string): void }): BenchRow {
  const ours = { grad: [] as number[], hv: [] as number[], gv: [] as number[], fv: [] as number[] };
  const reused = { hv: [] as number[], gv: [] as number[], fv: [] as number[] };
  const fisherOverGgn: number[] = [];
  const theirs = { grad: [] as number[], hv: [] as number[], gv: [] as number[], fv: [] as number[] };
  const peaks = { grad: 0, hv: 0, gv: 0, fv: 0 };
  const torchPeaks = { grad: 0, hv: 0, gv: 0, fv: 0 };
  let torchError: string | null = options.torch ? null : "not requested";
  let first: ChildResult | null = null;
  for (let round = 0; round < options.rounds; round++) {
    for (const op of OPS) {
      status.update(`${model} ${op}, round ${round + 1}/${options.rounds} (${options.path}, ${backendName})`);
      const r = spawnChild({ model, op, path: options.path, backend: options.backend, batch: options.batch, dtype: options.dtype, warmup: options.warmup, repeats: options.repeats });
      first ??= r;
      ours[op].push(...r.times_ms);
      if (op !== "grad") reused[op].push(...r.reuse_ms);
      fisherOverGgn.push(...r.fisher_over_ggn);
      peaks[op] = Math.max(peaks[op], r.peak_rss_mb);
      if (torchError !== null || op === "fv") continue;
      status.update(`${model} ${op}, round ${round + 1}/${options.rounds} (PyTorch)`);
      const t = runTorchScript(["--child", "--model", model, "--op", op, "--batch", String(options.batch), "--repeats", String(options.repeats), "--warmup", String(options.warmup)]);
      if (!isChildTimes(t)) {
        torchError = typeof t === "object" && t !== null && "error" in t ? String(t.error) : "unexpected output";
        continue;
      }
      theirs[op].push(...t.times_ms);
      torchPeaks[op] = Math.max(torchPeaks[op], t.peak_rss_mb);
    }
  }
  const mine = summarize(ours, peaks);
  const row: BenchRow = {
    model,
    path: options.path,
    backend: first!.backend,
    batch: options.batch,
    dtype: options.dtype,
    parameters: first!.parameters,
    ...mine,
    base_rss_mb: first!.base_rss_mb,
    hv_reuse_ms: median(reused.hv),
    gv_reuse_ms: median(reused.gv),
    fv_reuse_ms: median(reused.fv),
    fisher_over_ggn: median(fisherOverGgn),
  };
  if (torchError !== null) return options.torch ? { ...row, torch_error: torchError } : row;
  const torch = summarize(theirs, torchPeaks);
  return { ...row, torch, ratio: { grad: mine.grad_ms / torch.grad_ms, hv: mine.hv_ms / torch.hv_ms, gv: mine.gv_ms / torch.gv_ms } };
}

export const benchCommand: CommandSpec<BenchOptions, BenchResult> = {
  name: "bench",
  summary: "time gradient, Hv, Gv and the Fisher product on the MNIST autoencoder, GEMM GFLOP/s and peak memory (optionally beside PyTorch)",
  examples: ["hessian-lab bench", "hessian-lab bench --profile --models mnist-autoencoder", "hessian-lab bench --torch --rounds 3 --repeats 3", "hessian-lab bench --path autodiff --backend portable --repeats 1 --json"],
  configure(cmd) {
    cmd
      .addOption(new Option("--repeats <n>", "timed repetitions per workload process (medians over all are reported)").argParser(integer(1)).default(3))
      // two: V8 is still tiering up, and collects the first allocation burst, during the second product
      .addOption(new Option("--warmup <n>", "untimed repetitions first, in each process (PyTorch's too)").argParser(integer(0)).default(2))
      .addOption(new Option("--rounds <n>", "fresh processes per workload, interleaved with PyTorch's under --torch").argParser(integer(1)).default(2))
      .addOption(new Option("--torch", "also run the same workloads in PyTorch (/usr/bin/python3) and print ours/torch ratios"))
      .addOption(new Option("--path <path>", "fused layer-wise passes, or the generic autodiff operators").argParser(choice(PATHS)).default("fused"))
      .addOption(new Option("--backend <name>", "GEMM backend: auto (native if built, else portable), native, portable (WebAssembly SIMD, else TypeScript), ts").argParser(choice(BACKENDS)).default("auto"))
      .addOption(new Option("--models <list>", `comma-separated: ${MODEL_NAMES.join(", ")}`).default(MODEL_NAMES.join(",")))
      .addOption(new Option("--batch <n>", "cases per batch").argParser(integer(1)).default(1000))
      .addOption(new Option("--dtype <dtype>", "compute dtype").argParser(choice(["float32", "float64"] as const)).default("float32"))
      .addOption(new Option("--no-gemm", "skip the GEMM GFLOP/s measurements"))
      .addOption(new Option("--profile", "instead of the timing table: where each product's time goes (GEMMs by layer shape, elementwise steps, the rest, page faults, GC), in this process").default(false))
      .addOption(new Option("--child <job>").hideHelp());
  },
  run(options, io) {
    return benchRun(options, io);
  },
  format(r) {
    return formatBench(r);
  },
};

async function benchRun(options: BenchOptions, io: Io): Promise<BenchResult> {
  if (options.child !== undefined) {
    // a workload process: print raw measurements and leave (the parent aggregates them)
    process.stdout.write(`${JSON.stringify(await runChild(parseChildJob(options.child)))}\n`);
    process.exit(0);
  }
  const models = options.models.split(",").map((m) => m.trim());
  for (const m of models) {
    if (!(MODEL_NAMES as readonly string[]).includes(m)) throw new CliError(`bench: unknown model "${m}" (expected ${MODEL_NAMES.join(", ")})`, EXIT.usage);
  }
  const backend = useBackend(options.backend, io);
  await backend.whenReady?.();
  // idempotent: the CLI set it at start; asked again for the report
  const malloc = tuneAllocator() ? `tuned (mmap threshold ${ALLOCATOR_POLICY.mmapThresholdBytes / 2 ** 20} MiB, trim ${ALLOCATOR_POLICY.trimThresholdBytes / 2 ** 20} MiB)` : "glibc default";
  const machine = { cpu: cpuModel(), cores: cpus().length, node: process.version, cpu_flags: cpuFlags(), malloc };
  if (options.profile) {
    const profile: ProfileRow[] = [];
    for (const model of models as ModelName[]) {
      profile.push(...(await profileModel({ model, path: options.path, backend: options.backend, batch: options.batch, dtype: options.dtype, warmup: options.warmup, repeats: options.repeats }, backend)));
    }
    return { machine, backend: backend.name, repeats: options.repeats, rounds: 0, results: [], profile, gemm: [] };
  }
  const status = progress(io, "bench", 0);
  const results = (models as ModelName[]).map((model) => benchModel(model, options, backend.name, status));
  status.update("GEMM");
  const gemmResults = options.gemm ? gemmRates(backend) : [];
  let torch: BenchResult["torch"];
  if (options.torch) {
    status.update("PyTorch GEMM");
    const t = runTorchScript(["--gemm-only"]);
    torch = typeof t === "object" && t !== null && "gemm" in t ? (t as NonNullable<BenchResult["torch"]>) : { error: typeof t === "object" && t !== null && "error" in t ? String(t.error) : "unexpected output" };
  }
  status.done();
  return {
    machine,
    backend: backend.name,
    repeats: options.repeats,
    rounds: options.rounds,
    results,
    gemm: gemmResults,
    ...(torch === undefined ? {} : { torch }),
  };
}

function formatBench(r: BenchResult): string {
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(x < 10 ? 2 : 1) : "—").padStart(9);
  const mem = (t: Timings): string => `${t.peak_rss_by_op_mb.grad.toFixed(0)} / ${t.peak_rss_by_op_mb.hv.toFixed(0)} / ${t.peak_rss_by_op_mb.gv.toFixed(0)} / ${t.peak_rss_by_op_mb.fv.toFixed(0)}`;
  const machine = `machine: ${r.machine.cpu} (${r.machine.cpu_flags.join(" ") || "no AVX2/AVX-512 flags read"}), ${r.machine.cores} cores, Node ${r.machine.node}; backend ${r.backend}; malloc ${r.machine.malloc}`;
  if (r.profile !== undefined) return `${machine}; means of ${r.repeats} products per kind, each backend call timed\n${formatProfile(r.profile)}`;
  const lines = [
    `${machine}; medians of ${r.rounds} rounds × ${r.repeats} repeats`,
    `${"model".padEnd(20)} ${"side".padEnd(16)} ${"dtype".padEnd(8)} ${"batch".padStart(5)} ${"grad ms".padStart(9)} ${"Hv ms".padStart(9)} ${"Gv ms".padStart(9)} ${"Fv ms".padStart(9)}  peak RSS MiB (grad / Hv / Gv / Fv)`,
  ];
  for (const row of r.results) {
    const side = `${row.path}/${row.backend}`;
    lines.push(`${row.model.padEnd(20)} ${side.padEnd(16)} ${row.dtype.padEnd(8)} ${String(row.batch).padStart(5)} ${f(row.grad_ms)} ${f(row.hv_ms)} ${f(row.gv_ms)} ${f(row.fv_ms)}  ${mem(row)}; base ${row.base_rss_mb.toFixed(0)}`);
    if (row.torch !== undefined && row.ratio !== undefined) {
      lines.push(`${"".padEnd(20)} ${"pytorch".padEnd(16)} ${row.dtype.padEnd(8)} ${String(row.batch).padStart(5)} ${f(row.torch.grad_ms)} ${f(row.torch.hv_ms)} ${f(row.torch.gv_ms)} ${f(row.torch.fv_ms)}  ${mem(row.torch)}`);
      const ok = (x: number, target: number): string => `${x.toFixed(2)}${x <= target ? " ✓" : " ✗"}`;
      lines.push(`${"".padEnd(20)} ours/torch: grad ${ok(row.ratio.grad, 1)} (≤ 1), Hv ${ok(row.ratio.hv, 0.8)} (≤ 0.8), Gv ${ok(row.ratio.gv, 0.9)} (≤ 0.9)`);
    }
    lines.push(`${"".padEnd(20)} one operator applied repeatedly (forward reused): Hv ${row.hv_reuse_ms.toFixed(1)} ms, Gv ${row.gv_reuse_ms.toFixed(1)} ms, Fv ${row.fv_reuse_ms.toFixed(1)} ms`);
    lines.push(`${"".padEnd(20)} Fisher / GGN product time: ${row.fisher_over_ggn.toFixed(2)} paired in one process (≤ 1.2); ${(row.fv_ms / row.gv_ms).toFixed(2)} from the columns above (separate processes)`);
    if (row.torch_error !== undefined) lines.push(`${"".padEnd(20)} PyTorch: not run (${row.torch_error})`);
    const hvMem = row.peak_rss_by_op_mb.hv / row.peak_rss_by_op_mb.grad;
    lines.push(`${"".padEnd(20)} Hv peak memory / gradient's: ${hvMem.toFixed(2)} (≤ 1.5)`);
  }
  if (r.gemm.length > 0) lines.push(`sgemm GFLOP/s: ${r.gemm.map((g) => `n=${g.n} ${g.threads}T ${g.gflops.toFixed(1)}`).join(", ")}`);
  const scaling = r.gemm.filter((g) => g.n === 1024);
  if (scaling.length === 2) lines.push(`  2-thread scaling at n=1024: ${(scaling[1]!.gflops / scaling[0]!.gflops).toFixed(2)}× (target ≥ 1.8)`);
  const t = r.torch;
  if (t !== undefined) {
    if ("error" in t) lines.push(`PyTorch: not run (${t.error})`);
    else if (t.gemm.length > 0 && r.gemm.length > 0) {
      const best = (rows: readonly { gflops: number }[]): number => Math.max(0, ...rows.map((g) => g.gflops));
      lines.push(`PyTorch ${t.torch} (${t.threads} intra-op threads; OpenBLAS core ${t.openblas.core}, ${t.openblas.threads} threads; float32 vs float64: grad ${t.check.grad.toExponential(1)}, Gv ${t.check.gv.toExponential(1)}) sgemm: ${t.gemm.map((g) => `n=${g.n} ${g.gflops.toFixed(1)}`).join(", ")}`);
      lines.push(`  best sgemm ours/torch: ${((100 * best(r.gemm)) / best(t.gemm)).toFixed(0)}% (target ≥ 95%)`);
    }
  }
  return lines.join("\n");
}
