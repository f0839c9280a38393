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
  isActivation,
  isLoss,
  kfac,
  lbfgs,
  loadCurves,
  loadMnist,
  mlp,
  momentum,
  naturalGradient,
  nesterov,
  newton,
  newtonCg,
  readData,
  readModel,
  sgd,
  takeRows,
  type Dataset,
  type DType,
  type Initializer,
  type Network,
  type TrainProblem,
  type Transform,
} from "../node.js";
import { CliError, EXIT } from "./command.js";

/** Optimizer names of `train --optimizer`. */
export const OPTIMIZERS = ["sgd", "momentum", "nesterov", "adam", "adamw", "newton", "newton-cg", "bfgs", "lbfgs", "hf", "kfac", "natural"] as const;
/** One of OPTIMIZERS. */
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Default learning rates, in the scale of PyTorch's mean reductions. */
const DEFAULT_LR: Partial<Record<OptimizerName, number>> = { sgd: 0.1, momentum: 0.05, nesterov: 0.05, adam: 1e-3, adamw: 1e-3, kfac: 0.1, natural: 0.1 };

/** The flags that pick the optimizer and its main constants. */
export interface OptimizerFlags {
  readonly optimizer: OptimizerName;
  readonly lr?: number;
  readonly damping?: number;
  readonly curvature?: "ggn" | "hessian" | "fisher";
}

/**
 * The optimizer for the flags. HF's initial λ defaults to 1e-2 rather than Martens' 45 because our
 * losses are PyTorch means (over pixels too), about 1/d_out of his sums (see optim/hessianFree.ts).
 */
export function makeOptimizer(flags: OptimizerFlags): Transform<unknown> {
  const lr = flags.lr ?? DEFAULT_LR[flags.optimizer] ?? 1;
  const t = ((): Transform<unknown> => {
    switch (flags.optimizer) {
      case "sgd":
        return sgd(lr);
      case "momentum":
        return momentum(lr, 0.9);
      case "nesterov":
        return nesterov(lr, 0.9);
      case "adam":
        return adam(lr);
      case "adamw":
        return adamw(lr);
      case "newton":
        return newton(flags.damping === undefined ? {} : { damping: flags.damping });
      case "newton-cg":
        return newtonCg();
      case "bfgs":
        return bfgs();
      case "lbfgs":
        return lbfgs();
      case "hf":
        return hessianFree({
          initialDamping: flags.damping ?? 1e-2,
          curvature: flags.curvature === "fisher" ? "empiricalFisher" : (flags.curvature ?? "ggn"),
        });
      case "kfac":
        return kfac({ learningRate: lr, ...(flags.damping === undefined ? {} : { damping: flags.damping }) });
      case "natural":
        return naturalGradient({ learningRate: lr, ...(flags.damping === undefined ? {} : { damping: flags.damping }) });
    }
  })();
  return t;
}

/** Flags that choose the network. */
export interface NetworkFlags {
  readonly model?: string;
  readonly preset?: "curves" | "mnist" | "faces";
  readonly arch?: readonly number[];
  readonly hidden: string;
  readonly loss: string;
  readonly init: Initializer;
  readonly seed: number;
}

/** A flag parser for `--arch 784-256-32-256-784`. */
export function parseArch(raw: string): number[] {
  const sizes = raw.split(/[-,x]/).map((s) => Number(s.trim()));
  if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new InvalidArgumentError("expected layer sizes like 784-256-32-256-784");
  }
  return sizes;
}

/** The network and its starting θ: from a model file, a Martens preset, or --arch. */
export async function resolveNetwork(flags: NetworkFlags): Promise<{ net: Network; theta: Float64Array; dtype?: DType }> {
  const sources = [flags.model, flags.preset, flags.arch].filter((x) => x !== undefined).length;
  if (sources !== 1) throw new CliError("give exactly one of --model, --preset, --arch", EXIT.usage);
  if (flags.model !== undefined) {
    const m = await readModel(flags.model);
    return { net: m.network, theta: m.theta, dtype: m.dtype };
  }
  let net: Network;
  if (flags.preset !== undefined) net = autoencoderPreset(flags.preset);
  else {
    if (!isActivation(flags.hidden)) throw new CliError(`unknown --hidden activation "${flags.hidden}"`, EXIT.usage);
    if (!isLoss(flags.loss)) throw new CliError(`unknown --loss "${flags.loss}"`, EXIT.usage);
    // the last layer is linear: the cross-entropy losses apply their own sigmoid/softmax
    net = mlp(flags.arch!, { hidden: flags.hidden, output: "linear", loss: flags.loss });
  }
  return { net, theta: initialize(net, { scheme: flags.init, seed: flags.seed }) };
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
    split = await loadMnist({ dtype, task: dOut === 10 ? "classification" : "autoencoder", ...(flags.trainSize === undefined ? {} : { trainSize: Math.min(flags.trainSize, 9000) }) });
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
