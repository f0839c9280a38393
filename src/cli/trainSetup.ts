/** @file turning `train` flags into a network, data, an optimizer and a TrainProblem */
import { InvalidArgumentError } from "commander";
import {
  adam,
  adamw,
  autoencoderPreset,
  bfgs,
  empiricalRisk,
  hessianFree,
  initialize,
  kfac,
  lbfgs,
  loadCurves,
  loadMnist,
  MNIST_TEST_COUNT,
  MNIST_TRAIN_COUNT,
  mlp,
  momentum,
  nag,
  naturalGradient,
  nesterov,
  newton,
  newtonCg,
  readData,
  readModel,
  sgd,
  takeRows,
  type Activation,
  type Dataset,
  type DType,
  type HfPreconditioner,
  type Initializer,
  type LossName,
  type Network,
  type TrainProblem,
  type Transform,
} from "../node.js";
import { CliError, EXIT } from "./command.js";

/** Optimizer names of `train --optimizer`. */
export const OPTIMIZERS = ["sgd", "momentum", "nesterov", "nag", "adam", "adamw", "newton", "newton-cg", "bfgs", "lbfgs", "hf", "kfac", "natural"] as const;
/** One of OPTIMIZERS. */
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** The learning rate an optimizer runs with: --lr, else its default (1 where it has none). */
export function learningRate(flags: { readonly optimizer: OptimizerName; readonly lr?: number }): number {
  return flags.lr ?? DEFAULT_LR[flags.optimizer] ?? 1;
}

/** Default learning rates, in the scale of PyTorch's mean reductions. */
export const DEFAULT_LR: Readonly<Partial<Record<OptimizerName, number>>> = { sgd: 0.1, momentum: 0.05, nesterov: 0.05, nag: 2, adam: 1e-3, adamw: 1e-3, kfac: 0.1, natural: 0.1 };

/**
 * Default initial damping λ. HF's defaults to 1e-2 rather than Martens' 45 because our losses are
 * PyTorch means (over pixels too), about 1/d_out of his sums (see optim/hessianFree.ts); Newton's 0
 * is pure Newton while the quadratic model predicts well (λ grows when it does not).
 */
export const DEFAULT_DAMPING: Readonly<Partial<Record<OptimizerName, number>>> = { newton: 0, hf: 1e-2, kfac: 1e-2, natural: 1e-2 };

/** The curvature matrices `--curvature` may pick for each optimizer that takes one (the first is the default). */
export const OPTIMIZER_CURVATURES: Readonly<Partial<Record<OptimizerName, readonly ("ggn" | "hessian" | "fisher")[]>>> = {
  newton: ["hessian", "ggn", "fisher"],
  "newton-cg": ["hessian", "ggn", "fisher"],
  hf: ["ggn", "hessian", "fisher"],
};

/**
 * Optimizers that are deterministic given the data: their line searches, trust regions and
 * curvature pairs assume the same objective at every iteration, so they default to the full batch.
 */
export const FULL_BATCH_OPTIMIZERS: readonly OptimizerName[] = ["newton", "newton-cg", "bfgs", "lbfgs"];

/** The minibatch of the stochastic methods when --batch-size is not given. */
export const DEFAULT_BATCH_SIZE = 256;

/** Optimizers that use a curvature minibatch (`--curvature-batch-size`). */
const CURVATURE_BATCH_OPTIMIZERS: readonly OptimizerName[] = ["newton", "newton-cg", "hf", "kfac", "natural"];

/** The batch size of a run: --batch-size, else every case for the deterministic methods and 256 for the rest. */
export function batchSizeFor(optimizer: OptimizerName, given: number | undefined, cases: number): number {
  return Math.min(given ?? (FULL_BATCH_OPTIMIZERS.includes(optimizer) ? cases : DEFAULT_BATCH_SIZE), cases);
}

/** What `train --help` says about the per-optimizer defaults. */
export function optimizerDefaultsHelp(): string {
  const list = (table: Readonly<Partial<Record<OptimizerName, number>>>): string =>
    Object.entries(table)
      .map(([name, value]) => `${name} ${String(value)}`)
      .join(", ");
  return [
    "",
    "Per-optimizer defaults:",
    `  --lr          ${list(DEFAULT_LR)} (the others take no learning rate)`,
    `  --damping     ${list(DEFAULT_DAMPING)}`,
    `  --curvature   ${Object.entries(OPTIMIZER_CURVATURES).map(([name, kinds]) => `${name} ${kinds[0]!} (${kinds.join("|")})`).join(", ")}`,
    `  --batch-size  all cases for ${FULL_BATCH_OPTIMIZERS.join(", ")}; ${DEFAULT_BATCH_SIZE} otherwise`,
    "",
  ].join("\n");
}

/** The flags that pick the optimizer and its main constants. */
export interface OptimizerFlags {
  readonly optimizer: OptimizerName;
  readonly lr?: number;
  readonly damping?: number;
  readonly curvature?: "ggn" | "hessian" | "fisher";
  /** HF's CG preconditioner (Martens' diagonal when absent). */
  readonly preconditioner?: HfPreconditioner;
  /** μ_max of nag's momentum schedule (default 0.99). */
  readonly muMax?: number;
}

/**
 * Refuses optimizer flags that cannot work and warns about given flags the optimizer ignores.
 * λ = 0 is refused where it cannot recover: HF's λ adapts by factors (×3/2, ×2/3), so 0 stays 0 and
 * an indefinite curvature stalls CG at step size 0; K-FAC's factored inverses and the natural
 * gradient's CG need λ > 0 where the Fisher is singular (K-FAC's loss blew up from 0.70 to 179).
 */
export function checkOptimizerFlags(flags: OptimizerFlags & { readonly curvatureBatchSize?: number }, given: ReadonlySet<string>, warn: (line: string) => void): void {
  const name = flags.optimizer;
  if (flags.damping === 0 && (name === "hf" || name === "kfac" || name === "natural")) {
    const why =
      name === "hf"
        ? "λ adapts by factors of 3/2 and 2/3, so it would stay 0 and CG has no protection against negative or zero curvature"
        : "the Fisher is singular wherever there are fewer cases than parameters, and its inverse needs λ > 0";
    throw new CliError(`--damping 0 with --optimizer ${name}: ${why}; give a positive --damping (default ${DEFAULT_DAMPING[name]})`, EXIT.usage);
  }
  const ignored = (flag: string, key: string, applies: boolean, why: string): void => {
    if (given.has(key) && !applies) warn(`train: ${flag} does not apply to --optimizer ${name} (${why}); ignored\n`);
  };
  ignored("--lr", "lr", DEFAULT_LR[name] !== undefined, "it takes its step length from a line search, a trust region or the curvature");
  ignored("--damping", "damping", DEFAULT_DAMPING[name] !== undefined, "it has no damping");
  ignored("--curvature", "curvature", OPTIMIZER_CURVATURES[name] !== undefined, "it uses no curvature matrix, or a fixed one");
  ignored("--mu-max", "muMax", name === "nag", "only nag has a momentum schedule");
  ignored("--curvature-batch-size", "curvatureBatchSize", CURVATURE_BATCH_OPTIMIZERS.includes(name), "it takes no curvature products");
  ignored("--preconditioner", "preconditioner", name === "hf", "only Hessian-free preconditions a CG solve");
}

/** The optimizer for the flags (defaults in DEFAULT_LR, DEFAULT_DAMPING, OPTIMIZER_CURVATURES). */
export function makeOptimizer(flags: OptimizerFlags): Transform<unknown> {
  const lr = learningRate(flags);
  const damping = flags.damping ?? DEFAULT_DAMPING[flags.optimizer] ?? 0;
  const kinds = OPTIMIZER_CURVATURES[flags.optimizer];
  const kind = flags.curvature ?? kinds?.[0] ?? "hessian";
  // `--curvature fisher` is the empirical Fisher: training has no model distribution to sample from per step
  const curvature = kind === "fisher" ? "empiricalFisher" : kind;
  switch (flags.optimizer) {
    case "sgd":
      return sgd(lr);
    case "momentum":
      return momentum(lr, 0.9);
    case "nesterov":
      return nesterov(lr, 0.9);
    case "nag":
      return nag({ learningRate: lr, ...(flags.muMax === undefined ? {} : { muMax: flags.muMax }) });
    case "adam":
      return adam(lr);
    case "adamw":
      return adamw(lr);
    case "newton":
      return newton({ damping, curvature });
    case "newton-cg":
      return newtonCg({ curvature });
    case "bfgs":
      return bfgs();
    case "lbfgs":
      return lbfgs();
    case "hf":
      return hessianFree({ initialDamping: damping, curvature, ...(flags.preconditioner === undefined ? {} : { preconditioner: flags.preconditioner }) });
    case "kfac":
      return kfac({ learningRate: lr, damping });
    case "natural":
      return naturalGradient({ learningRate: lr, damping });
  }
}

/** Flags that choose the network (hidden, loss and init are undefined when not given). */
export interface NetworkFlags {
  readonly model?: string;
  readonly preset?: "curves" | "mnist" | "faces";
  readonly arch?: readonly number[];
  readonly hidden?: Activation;
  readonly loss?: LossName;
  readonly init?: Initializer;
  readonly seed: number;
}

/** The defaults of the network flags (with --arch; a preset fixes hidden and loss, a model file all three). */
export const NETWORK_DEFAULTS: { readonly hidden: Activation; readonly loss: LossName; readonly init: Initializer } = {
  hidden: "sigmoid",
  loss: "sigmoid_cross_entropy",
  init: "martens-sparse",
};

/**
 * The most parameters `--arch` may ask for: 2²⁷ ≈ 134 M, already 1 GiB per float64 copy of θ (the
 * optimizers keep several); Martens' largest autoencoder has 2.8 M.
 */
export const MAX_PARAMETERS = 2 ** 27;

/** A flag parser for `--arch 784-256-32-256-784`, refusing networks too large to allocate. */
export function parseArch(raw: string): number[] {
  const sizes = raw.split(/[-,x]/).map((s) => (/^\d+$/.test(s.trim()) ? Number(s.trim()) : NaN));
  if (sizes.length < 2 || sizes.some((n) => !Number.isSafeInteger(n) || n < 1)) {
    throw new InvalidArgumentError("expected layer sizes like 784-256-32-256-784");
  }
  let parameters = 0;
  for (let i = 1; i < sizes.length; i++) parameters += (sizes[i - 1]! + 1) * sizes[i]!;
  if (parameters > MAX_PARAMETERS) {
    throw new InvalidArgumentError(`${parameters.toExponential(2)} parameters (${((parameters * 8) / 2 ** 30).toFixed(0)} GiB per float64 copy of θ); at most ${MAX_PARAMETERS} are allowed`);
  }
  return sizes;
}

/**
 * The network and its starting θ: from a model file, a Martens preset, or --arch. A model file
 * carries its own activations, loss and weights, and a preset its activations and loss, so the
 * flags that would set them are refused rather than silently ignored.
 */
export async function resolveNetwork(flags: NetworkFlags): Promise<{ net: Network; theta: Float64Array; dtype?: DType }> {
  const sources = [flags.model, flags.preset, flags.arch].filter((x) => x !== undefined).length;
  if (sources !== 1) throw new CliError("give exactly one of --model, --preset, --arch", EXIT.usage);
  const refuse = (flag: "hidden" | "loss" | "init", source: string, what: string): void => {
    if (flags[flag] !== undefined) throw new CliError(`--${flag} does not apply with ${source}: ${what}; leave it out or use --arch`, EXIT.usage);
  };
  if (flags.model !== undefined) {
    refuse("init", "--model", "the model file holds the starting weights");
    refuse("hidden", "--model", "the model file's metadata names its activations");
    refuse("loss", "--model", "the model file's metadata names its loss");
    const m = await readModel(flags.model);
    return { net: m.network, theta: m.theta, dtype: m.dtype };
  }
  let net: Network;
  if (flags.preset !== undefined) {
    refuse("hidden", "--preset", `the ${flags.preset} preset fixes its activations`);
    refuse("loss", "--preset", `the ${flags.preset} preset fixes its loss`);
    net = autoencoderPreset(flags.preset);
  } else {
    // the last layer is linear: the cross-entropy losses apply their own sigmoid/softmax
    net = mlp(flags.arch!, { hidden: flags.hidden ?? NETWORK_DEFAULTS.hidden, output: "linear", loss: flags.loss ?? NETWORK_DEFAULTS.loss });
  }
  return { net, theta: initialize(net, { scheme: flags.init ?? NETWORK_DEFAULTS.init, seed: flags.seed }) };
}

/** Flags that choose the data. */
export interface DataFlags {
  readonly data?: string;
  readonly dataset?: "mnist" | "curves";
  readonly trainSize?: number;
  readonly testSize?: number;
  readonly seed: number;
}

/** Training and (optionally) test sets, checked against the network's widths. */
export async function resolveData(flags: DataFlags, net: Network, dtype: DType): Promise<{ train: Dataset; test?: Dataset }> {
  if ((flags.data === undefined) === (flags.dataset === undefined)) throw new CliError("give exactly one of --data, --dataset", EXIT.usage);
  const dIn = net.layers[0]!.inputs;
  const dOut = net.layers[net.layers.length - 1]!.outputs;
  if (flags.data !== undefined) {
    const train = await readData(flags.data, net);
    return { train: firstRows(train, flags.trainSize) };
  }
  if (dIn !== 784) throw new CliError(`--dataset ${flags.dataset} has 784 inputs but the model takes ${dIn}`, EXIT.usage);
  let split: { train: Dataset; test: Dataset };
  if (flags.dataset === "mnist") {
    if (dOut !== 784 && dOut !== 10) throw new CliError(`--dataset mnist needs 784 outputs (autoencoder) or 10 (classes); the model has ${dOut}`, EXIT.usage);
    // Only the rows asked for are converted: all 60,000 digits are 188 MB in float32, 376 MB in float64.
    const sizes = {
      ...(flags.trainSize === undefined ? {} : { trainSize: Math.min(flags.trainSize, MNIST_TRAIN_COUNT) }),
      ...(flags.testSize === undefined ? {} : { testSize: Math.min(flags.testSize, MNIST_TEST_COUNT) }),
    };
    split = await loadMnist({ dtype, task: dOut === 10 ? "classification" : "autoencoder", ...sizes });
  } else {
    if (dOut !== 784) throw new CliError(`--dataset curves is an autoencoder set: the model must output 784, not ${dOut}`, EXIT.usage);
    split = loadCurves({ seed: flags.seed, dtype, trainSize: flags.trainSize ?? 20000, testSize: flags.testSize ?? 10000 });
  }
  return { train: firstRows(split.train, flags.trainSize), test: firstRows(split.test, flags.testSize) };
}

/** The first n rows of a data set (all of it when n is undefined or larger). */
export function firstRows(ds: Dataset, n: number | undefined): Dataset {
  const rows = ds.inputs.shape[0]!;
  if (n === undefined || n >= rows) return ds;
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  const inputs = takeRows(ds.inputs, idx);
  return { name: ds.name, inputs, targets: ds.targets === ds.inputs ? inputs : takeRows(ds.targets, idx) };
}

/** The TrainProblem the loop needs: risks on index subsets, the whole training set, the test set. */
export function trainProblem(net: Network, train: Dataset, test: Dataset | undefined, dtype: DType): TrainProblem {
  const subset = (indices: ArrayLike<number>): Dataset => {
    const inputs = takeRows(train.inputs, indices);
    return { name: train.name, inputs, targets: train.targets === train.inputs ? inputs : takeRows(train.targets, indices) };
  };
  return {
    cases: train.inputs.shape[0]!,
    risk: (indices) => empiricalRisk(net, subset(indices), { dtype, batchSize: 1000 }),
    trainRisk: empiricalRisk(net, train, { dtype, batchSize: 1000 }),
    ...(test === undefined ? {} : { testRisk: empiricalRisk(net, test, { dtype, batchSize: 1000 }) }),
  };
}
