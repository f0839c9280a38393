/** @file the workload processes of `hessian-lab bench`: one model × product per fresh process, so peak RSS is its own */
import { spawnSync } from "node:child_process";
import {
  autoencoderPreset,
  curvatureOperator,
  empiricalRisk,
  initialize,
  ndarray,
  riskValueAndGrad,
  Rng,
  type DType,
  type LinearOperator,
  type Network,
} from "../node.js";
// Backends are not part of the public API yet; the benchmark is their first user.
import type { GemmBackend } from "../kernels/backends/backend.js";
import { installBackend, type BackendChoice } from "../kernels/backends/install.js";
import { CliError, EXIT, type Io } from "./command.js";

export const MODELS = { "mnist-autoencoder": "mnist", "curves-autoencoder": "curves" } as const;
export type ModelName = keyof typeof MODELS;
export const MODEL_NAMES = Object.keys(MODELS) as ModelName[];
/** fv: the MC Fisher (one sample per case, seed 0), the GGN's sandwich with s sᵀ in the middle. */
export const OPS = ["grad", "hv", "gv", "fv"] as const;
export type Op = (typeof OPS)[number];
/** The risk's engine: fused (nn/fused.ts layer-wise passes) or autodiff (generic Tensor autodiff). */
export const PATHS = ["fused", "autodiff"] as const;
export type PathName = (typeof PATHS)[number];
export const BACKENDS: readonly BackendChoice[] = ["auto", "native", "portable", "ts"];

export interface ChildJob {
  readonly model: ModelName;
  readonly op: Op;
  readonly path: PathName;
  readonly backend: BackendChoice;
  readonly batch: number;
  readonly dtype: DType;
  readonly warmup: number;
  readonly repeats: number;
}

export interface ChildResult {
  readonly times_ms: number[];
  /** Products of one operator applied repeatedly (forward pass reused where the path can). */
  readonly reuse_ms: number[];
  /**
   * fv only: per pair of fresh products, Fisher time / GGN time, the two alternating in this one
   * process (A B A B), so both see the same machine: separate processes drift apart by ±30 % here.
   */
  readonly fisher_over_ggn: number[];
  readonly base_rss_mb: number;
  readonly peak_rss_mb: number;
  readonly backend: string;
  readonly parameters: number;
}

/** Installs the requested backend; "auto" falls back to portable with a one-line notice. */
export function useBackend(choiceName: BackendChoice, io: Io | null): GemmBackend {
  try {
    return installBackend(choiceName, io === null ? undefined : (line) => io.err(`${line}\n`));
  } catch (e) {
    throw new CliError(`bench: ${e instanceof Error ? e.message : String(e)}`, EXIT.failure);
  }
}

function elapsed(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

const rssMb = (): number => process.memoryUsage.rss() / 2 ** 20;

/** The workload of one child (and of `bench --profile`): model, seeded data in [0, 1] (autoencoder: targets = inputs), θ, v. */
export function setup(job: ChildJob): { net: Network; run: () => void; reuse: (() => void) | null; ggn: (() => void) | null } {
  const net = autoencoderPreset(MODELS[job.model]);
  const d0 = net.layers[0]!.inputs;
  const rng = new Rng(1);
  const x = new Float64Array(job.batch * d0);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
  const inputs = ndarray(job.dtype === "float32" ? Float32Array.from(x) : x, [job.batch, d0]);
  const risk = empiricalRisk(net, { inputs, targets: inputs }, { dtype: job.dtype, batchSize: job.batch, engine: job.path });
  const theta = initialize(net, { scheme: "martens-sparse", seed: 0 });
  const v = new Float64Array(theta.length);
  for (let i = 0; i < v.length; i++) v[i] = rng.normal();
  if (job.op === "grad") return { net, run: () => void riskValueAndGrad(risk, theta), reuse: null, ggn: null };
  const kind = job.op === "hv" ? "hessian" : job.op === "gv" ? "ggn" : "fisher";
  const make = (): LinearOperator => curvatureOperator(risk, theta, kind);
  // the headline product builds its operator each time, so it always pays the forward pass (as
  // PyTorch does); `reuse` applies one operator repeatedly, as Lanczos and CG do
  const op = make();
  const ggn = job.op === "fv" ? () => void curvatureOperator(risk, theta, "ggn").matvec(v) : null;
  return { net, run: () => void make().matvec(v), reuse: () => void op.matvec(v), ggn };
}

/** Parses the internal --child flag: a ChildJob as JSON, checked field by field. */
export function parseChildJob(raw: string): ChildJob {
  const x: unknown = JSON.parse(raw);
  const ok =
    typeof x === "object" &&
    x !== null &&
    "model" in x && (MODEL_NAMES as readonly unknown[]).includes(x.model) &&
    "op" in x && (OPS as readonly unknown[]).includes(x.op) &&
    "path" in x && (PATHS as readonly unknown[]).includes(x.path) &&
    "backend" in x && (BACKENDS as readonly unknown[]).includes(x.backend) &&
    "dtype" in x && (x.dtype === "float32" || x.dtype === "float64") &&
    ["batch", "warmup", "repeats"].every((k) => k in x && Number.isInteger((x as Record<string, unknown>)[k]));
  if (!ok) throw new CliError("bench: malformed --child job", EXIT.usage);
  return x as ChildJob;
}

export async function runChild(job: ChildJob): Promise<ChildResult> {
  const backend = useBackend(job.backend, null);
  // time the threaded path: helper threads that start asynchronously must be up first
  await backend.whenReady?.();
  const { net, run, reuse, ggn } = setup(job);
  const base = rssMb();
  const timed = (f: () => void): number[] => {
    for (let i = 0; i < job.warmup; i++) f();
    return Array.from({ length: job.repeats }, () => elapsed(f));
  };
  const times = timed(run);
  const reuseTimes = reuse === null ? [] : timed(reuse);
  const ratios: number[] = [];
  if (ggn !== null) {
    for (let i = 0; i < job.warmup; i++) ggn();
    for (let i = 0; i < Math.max(job.repeats, 5); i++) ratios.push(elapsed(run) / elapsed(ggn));
  }
  return { times_ms: times, reuse_ms: reuseTimes, fisher_over_ggn: ratios, base_rss_mb: base, peak_rss_mb: process.resourceUsage().maxRSS / 1024, backend: backend.name, parameters: net.layout.size };
}

/** Runs one workload in a fresh process so its peak RSS is its own. */
export function spawnChild(job: ChildJob): ChildResult {
  const main = process.argv[1];
  if (main === undefined) throw new CliError("bench: cannot locate the hessian-lab binary to run workloads", EXIT.failure);
  const r = spawnSync(process.execPath, [...process.execArgv, main, "bench", "--child", JSON.stringify(job)], {
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new CliError(`bench: ${job.model} ${job.op} failed: ${(r.stderr || r.stdout).trim().split("\n").pop() ?? ""}`, EXIT.failure);
  return JSON.parse(r.stdout) as ChildResult;
}
