/** @file `hessian-lab train`: any optimizer on a model and data set, with progress, checkpoints and exact resume */
import { Option } from "commander";
import {
  accuracy,
  BatchSampler,
  checkpointPath,
  DEFAULT_GRADIENT_TOLERANCE,
  DEFAULT_RELATIVE_TOLERANCE,
  DENSE_PARAMETER_LIMIT,
  ACTIVATIONS,
  HF_PRECONDITIONERS,
  INITIALIZERS,
  LOSSES,
  norm,
  readCheckpoint,
  removeStaleTemps,
  riskValueAndGrad,
  squaredErrorPerCase,
  trainAsync,
  writeModel,
  type BatchSamplerState,
  type Activation,
  type DType,
  type HfPreconditioner,
  type Initializer,
  type LossName,
  type IterationRecord,
  type TrainState,
  type TrainStop,
} from "../node.js";
import { join, resolve } from "node:path";
import { LOCK_FILE, lockCheckpointDirectory } from "./checkpointLock.js";
import { choice, CliError, EXIT, integer, positive, real, seed, type CommandSpec, type GivenFlags, type Io } from "./command.js";
import { checkOutputs, checkWritableDirectory, requireFinite, writeOutput } from "./outputs.js";
import { progress } from "./progress.js";
import { newtonCostNotice, stabilityNotice } from "./trainAdvice.js";
import { onInterrupt } from "./signals.js";
import { checkResumable, fileFingerprint, saveCheckpoint, validateState, type TrainConfig } from "./trainCheckpoint.js";
import {
  batchSizeFor,
  checkOptimizerFlags,
  DEFAULT_BATCH_SIZE,
  FULL_BATCH_OPTIMIZERS,
  learningRate,
  makeOptimizer,
  NETWORK_DEFAULTS,
  optimizerDefaultsHelp,
  OPTIMIZERS,
  parseArch,
  resolveData,
  resolveNetwork,
  trainProblem,
  type OptimizerName,
} from "./trainSetup.js";

const CURVATURES = ["ggn", "hessian", "fisher"] as const;
const DTYPES = ["float32", "float64"] as const;

interface TrainOptions {
  readonly model?: string;
  readonly preset?: "curves" | "mnist" | "faces";
  readonly arch?: number[];
  readonly hidden?: Activation;
  readonly loss?: LossName;
  readonly init?: Initializer;
  readonly data?: string;
  readonly dataset?: "mnist" | "curves";
  readonly trainSize?: number;
  readonly testSize?: number;
  readonly optimizer: OptimizerName;
  readonly lr?: number;
  readonly damping?: number;
  readonly curvature?: "ggn" | "hessian" | "fisher";
  readonly muMax?: number;
  readonly preconditioner?: HfPreconditioner;
  readonly batchSize?: number;
  readonly curvatureBatchSize?: number;
  readonly maxIter?: number;
  readonly maxEpochs?: number;
  readonly maxSeconds?: number;
  readonly evalEvery: number;
  readonly gtol: number;
  readonly ftol: number;
  readonly seed: number;
  readonly dtype: DType;
  readonly out?: string;
  readonly checkpoint?: string;
  readonly checkpointEvery: number;
  readonly resume?: boolean;
}

/** What train reports (`--json`). */
export interface TrainResultJson {
  readonly final_loss: number;
  readonly test_loss: number | null;
  /** Martens' metric: squared error summed over outputs, averaged over cases (null for a classifier, which reports accuracy). */
  readonly reconstruction_error: number | null;
  /** Fraction of training cases classified correctly (null unless the loss is a classification loss). */
  readonly accuracy: number | null;
  readonly gradient_norm: number;
  readonly iterations: number;
  readonly seconds: number;
  readonly stop: TrainStop;
  /** Why it stopped, in a sentence with the numbers. */
  readonly stop_reason: string;
  readonly optimizer: OptimizerName;
  readonly parameters: number;
  readonly cases: number;
  readonly resumed_from: number | null;
  readonly out: string | null;
  readonly history: readonly IterationRecord[];
}

/** The flags a checkpoint must agree with to be resumed (budgets and outputs may change); null: not given. */
function fingerprint(o: TrainOptions, parameters: number, batchSize: number, files: { model: string | null; data: string | null }): TrainConfig {
  return {
    // files by content, so that another spelling of the path resumes and changed contents do not
    model: files.model ?? o.preset ?? (o.arch ?? []).join("-"),
    hidden: o.hidden ?? NETWORK_DEFAULTS.hidden,
    loss: o.loss ?? NETWORK_DEFAULTS.loss,
    init: o.init ?? NETWORK_DEFAULTS.init,
    data: files.data ?? o.dataset ?? null,
    trainSize: o.trainSize ?? null,
    optimizer: o.optimizer,
    lr: o.lr ?? null,
    damping: o.damping ?? null,
    curvature: o.curvature ?? null,
    // only when given, so checkpoints written before the flag existed still resume
    ...(o.preconditioner === undefined ? {} : { preconditioner: o.preconditioner }),
    ...(o.muMax === undefined ? {} : { muMax: o.muMax }),
    batchSize,
    curvatureBatchSize: o.curvatureBatchSize ?? null,
    seed: o.seed,
    dtype: o.dtype,
    parameters,
  };
}

function describeInfo(info: IterationRecord["info"]): string {
  return Object.entries(info)
    .filter(([, v]) => typeof v !== "string" || v.length < 20)
    .slice(0, 5)
    .map(([k, v]) => `${k}=${typeof v === "number" ? (Number.isInteger(v) ? v : v.toPrecision(3)) : String(v)}`)
    .join(" ");
}

export const trainCommand: CommandSpec<TrainOptions, TrainResultJson> = {
  name: "train",
  handlesSignals: true,
  summary: "train a network with SGD, Adam, L-BFGS, Newton, Hessian-free, K-FAC, … (checkpoints, exact resume)",
  examples: [
    "hessian-lab train --preset curves --dataset curves --train-size 2000 --optimizer hf --max-iter 20 --out curves.safetensors",
    "hessian-lab train --arch 784-256-32-256-784 --hidden sigmoid --loss sigmoid_cross_entropy --dataset mnist --optimizer adam --max-seconds 60",
    "hessian-lab train --model net.safetensors --data data.safetensors --optimizer lbfgs --max-iter 100 --checkpoint ckpt/ --resume --json",
  ],
  configure(cmd) {
    cmd
      .option("--model <file>", "start from a model file")
      .addOption(new Option("--preset <name>", "Martens (2010) autoencoder").argParser(choice(["curves", "mnist", "faces"] as const)))
      .addOption(new Option("--arch <sizes>", "layer sizes, e.g. 784-256-32-256-784").argParser(parseArch))
      .addOption(new Option("--hidden <activation>", `hidden activation with --arch (default: ${NETWORK_DEFAULTS.hidden})`).argParser(choice(ACTIVATIONS)))
      .addOption(new Option("--loss <loss>", `loss with --arch (default: ${NETWORK_DEFAULTS.loss})`).argParser(choice(LOSSES)))
      .addOption(new Option("--init <scheme>", `initializer with --arch or --preset (default: ${NETWORK_DEFAULTS.init})`).argParser(choice(INITIALIZERS)))
      .option("--data <file>", "training data file (safetensors)")
      .addOption(new Option("--dataset <name>", "built-in data set").argParser(choice(["mnist", "curves"] as const)))
      .addOption(new Option("--train-size <n>", "use the first N training cases").argParser(integer(1)))
      .addOption(new Option("--test-size <n>", "use the first N test cases").argParser(integer(1)))
      .addOption(new Option("--optimizer <name>", "optimizer").argParser(choice(OPTIMIZERS)).default("hf"))
      .addOption(new Option("--lr <rate>", "learning rate (first-order, K-FAC, natural; defaults below)").argParser(positive()))
      .addOption(new Option("--mu-max <μ>", "nag: cap of Sutskever et al. (2013)'s momentum schedule (default 0.99)").argParser(real(0, 0.9999)))
      .addOption(new Option("--damping <λ>", "initial damping λ (HF, Newton, K-FAC, natural; defaults below)").argParser(real(0)))
      .addOption(new Option("--curvature <kind>", "curvature matrix of newton, newton-cg, hf (fisher: the empirical Fisher)").argParser(choice(CURVATURES)))
      .addOption(new Option("--preconditioner <kind>", "HF's CG preconditioner: Martens' diagonal (default), K-FAC's damped inverse, or none").argParser(choice(HF_PRECONDITIONERS)))
      .addOption(new Option("--batch-size <n>", `minibatch size (default: all cases for ${FULL_BATCH_OPTIMIZERS.join(", ")}; ${DEFAULT_BATCH_SIZE} otherwise)`).argParser(integer(1)))
      .addOption(new Option("--curvature-batch-size <n>", "curvature minibatch (cycles through the batch)").argParser(integer(1)))
      .addOption(new Option("--max-iter <n>", "iteration budget").argParser(integer(0)))
      .addOption(new Option("--max-epochs <n>", "epoch budget").argParser(real(0)))
      .addOption(new Option("--max-seconds <s>", "wall-clock budget (not reproducible across resumes)").argParser(real(0)))
      .addOption(
        new Option("--gtol <g>", "converged when ‖∇L‖ ≤ g before a step (whole-batch runs only; 0: off)").argParser(real(0)).default(DEFAULT_GRADIENT_TOLERANCE),
      )
      .addOption(
        new Option("--ftol <f>", "converged when a step changes L by ≤ f·max(|L|, 1) (whole-batch runs only; 0: off)").argParser(real(0)).default(DEFAULT_RELATIVE_TOLERANCE, "10·ε ≈ 2.2e-15"),
      )
      .addOption(new Option("--eval-every <n>", "evaluate the whole training/test set every N iterations (0: end only)").argParser(integer(0)).default(0))
      .addOption(new Option("--seed <n>", "seed (initialization, data order, Monte-Carlo draws)").argParser(seed).default(0))
      .addOption(
        new Option("--dtype <dtype>", "compute dtype (float32 for speed; the analysis commands default to float64, the precision their derivative checks need)")
          .argParser(choice(DTYPES))
          .default("float32"),
      )
      .option("--out <file>", "write the trained model here (atomically, only on success)")
      .option("--checkpoint <dir>", "write the full training state here (atomically)")
      .addOption(new Option("--checkpoint-every <n>", "checkpoint every N iterations (and on SIGINT/SIGTERM)").argParser(integer(1)).default(10))
      .option("--resume", "continue from the checkpoint in --checkpoint (bit-identical to an uninterrupted run)")
      .addHelpText("after", optimizerDefaultsHelp());
  },
  async run(o, io, given) {
    if (o.maxIter === undefined && o.maxEpochs === undefined && o.maxSeconds === undefined) {
      throw new CliError("give a budget: --max-iter, --max-epochs or --max-seconds", EXIT.usage);
    }
    if (o.resume === true && o.checkpoint === undefined) throw new CliError("--resume needs --checkpoint DIR", EXIT.usage);
    checkOptimizerFlags(o, given, io.err);
    const inputs = [o.model, o.data].filter((x) => x !== undefined);
    if (o.checkpoint !== undefined) {
      const own = [checkpointPath(o.checkpoint), join(o.checkpoint, LOCK_FILE)].map((f) => resolve(f));
      if (o.out !== undefined && own.includes(resolve(o.out))) throw new CliError(`cannot write ${o.out}: it is a file of --checkpoint ${o.checkpoint}`, EXIT.usage);
      inputs.push(checkpointPath(o.checkpoint));
      await checkWritableDirectory(o.checkpoint, "checkpoint.safetensors", "--checkpoint");
    }
    if (o.out !== undefined) await checkOutputs([o.out], inputs);
    const lock = o.checkpoint === undefined ? null : await lockCheckpointDirectory(o.checkpoint);
    try {
      if (o.checkpoint !== undefined) {
        // any writer of this directory holds the lock, so every temp file of our naming is a dead one's
        await removeStaleTemps(resolve(checkpointPath(o.checkpoint)), { exclusive: true });
        await removeStaleTemps(resolve(o.checkpoint, LOCK_FILE));
      }
      return await trainLocked(o, io, given, inputs);
    } finally {
      await lock?.release();
    }
  },
  format(r) {
    return [
      `${r.optimizer}: ${r.iterations} iterations in ${r.seconds.toFixed(1)} s${r.resumed_from === null ? "" : `, resumed from iteration ${r.resumed_from}`}`,
      `stopped (${r.stop}): ${r.stop_reason}`,
      `training loss ${r.final_loss.toPrecision(6)} over ${r.cases} cases${r.test_loss === null ? "" : `, test loss ${r.test_loss.toPrecision(6)}`}`,
      `${r.accuracy !== null ? `accuracy ${(100 * r.accuracy).toFixed(2)}%` : `squared error per case ${r.reconstruction_error!.toPrecision(6)}`}, ‖∇L‖ ${r.gradient_norm.toExponential(3)}`,
      ...(r.out === null ? [] : [`wrote ${r.out}`]),
    ].join("\n");
  },
};

/** The run itself, once flags, outputs and the checkpoint directory are checked and locked. */
async function trainLocked(o: TrainOptions, io: Io, given: GivenFlags, inputs: readonly string[]): Promise<TrainResultJson> {
  const { net, theta } = await resolveNetwork(o);
  if ((o.optimizer === "newton" || o.optimizer === "bfgs") && theta.length > DENSE_PARAMETER_LIMIT) {
    throw new CliError(
      `--optimizer ${o.optimizer} forms a dense p×p matrix: ${theta.length} parameters exceed its limit of ${DENSE_PARAMETER_LIMIT} (use newton-cg, lbfgs or hf)`,
      EXIT.usage,
    );
  }
  const { train, test } = await resolveData(o, net, o.dtype);
  const problem = trainProblem(net, train, test, o.dtype);
  for (const notice of [newtonCostNotice(o.optimizer, theta.length), o.resume === true ? null : stabilityNotice(o.optimizer, learningRate(o), problem.trainRisk, theta)]) {
    if (notice !== null) io.err(`train: ${notice}\n`);
  }
  const transform = makeOptimizer(o);
  const batchSize = batchSizeFor(o.optimizer, o.batchSize, problem.cases);
  const files = {
    model: o.model === undefined ? null : await fileFingerprint(o.model),
    data: o.data === undefined ? null : await fileFingerprint(o.data),
  };
  const config = fingerprint(o, theta.length, batchSize, files);
  if (batchSize < problem.cases && (given.has("gtol") || given.has("ftol"))) {
    io.err(`train: --gtol and --ftol are checked on whole-batch runs only (this one takes ${batchSize} of ${problem.cases} cases per step); ignored\n`);
  }

  // a full batch in a fixed order: the deterministic methods then see the same objective, to the bit, every iteration
  const sampler = new BatchSampler({ n: problem.cases, batchSize, seed: o.seed, shuffle: batchSize < problem.cases });
  let resumeFrom: TrainState<unknown, BatchSamplerState> | undefined;
  if (o.resume === true && o.checkpoint !== undefined) {
    const saved = await readCheckpoint(o.checkpoint);
    if (saved === null) io.err(`train: no checkpoint in ${o.checkpoint} yet; starting from the beginning\n`);
    else {
      const path = checkpointPath(o.checkpoint);
      const expect = { parameters: theta.length, cases: problem.cases, seed: o.seed, sampler: sampler.getState(), optimizerTemplate: transform.init(theta) };
      resumeFrom = validateState(checkResumable(saved, config, path), expect, path);
    }
  }

  const controller = new AbortController();
  const release = onInterrupt(() => controller.abort());
  const status = progress(io, "train");
  const budget = o.maxIter;
  const started = performance.now();
  const startIteration = resumeFrom?.iteration ?? 0;
  try {
    const result = await trainAsync({
      transform,
      problem,
      sampler,
      params: theta,
      seed: o.seed,
      dtype: o.dtype,
      evalEvery: o.evalEvery,
      checkpointEvery: o.checkpointEvery,
      gradientTolerance: o.gtol,
      relativeTolerance: o.ftol,
      signal: controller.signal,
      ...(o.curvatureBatchSize === undefined ? {} : { curvatureBatchSize: o.curvatureBatchSize }),
      ...(o.maxIter === undefined ? {} : { maxIterations: o.maxIter }),
      ...(o.maxEpochs === undefined ? {} : { maxEpochs: o.maxEpochs }),
      ...(o.maxSeconds === undefined ? {} : { maxSeconds: o.maxSeconds }),
      ...(resumeFrom === undefined ? {} : { resumeFrom }),
      onIteration: (r) => status.update(progressLine(r, budget, startIteration, started)),
      ...(o.checkpoint === undefined
        ? {}
        : { onCheckpoint: (s: TrainState<unknown, BatchSamplerState>) => saveCheckpoint(o.checkpoint!, config, s) }),
    });
    status.done();
    if (result.stop === "interrupted") {
      throw new CliError(
        `interrupted at iteration ${result.state.iteration}${o.checkpoint === undefined ? " (no --checkpoint: progress is lost)" : `; checkpoint saved in ${o.checkpoint}, continue with --resume`}`,
        EXIT.interrupted,
      );
    }
    if (result.nonFinite !== undefined) {
      const kept = o.checkpoint === undefined ? "" : `; ${o.checkpoint} keeps the last finite state (iteration ${result.state.iteration})`;
      throw new CliError(`${result.detail.replace(/ \(the last finite state is kept\)$/, "")}${kept}; nothing written${o.out === undefined ? "" : ` to ${o.out}`}`, EXIT.failure);
    }
    if (result.stop === "stalled") io.err(`train: stopped at iteration ${result.state.iteration}: ${result.detail}\n`);
    const params = result.state.params;
    if (o.out !== undefined) {
      const out = o.out;
      requireFinite(params, o.dtype, "the trained model");
      await writeOutput(out, inputs, () => writeModel(out, net, params, o.dtype));
    }
    const { grad } = riskValueAndGrad(problem.trainRisk, params);
    const correct = accuracy(problem.trainRisk, params);
    return {
      final_loss: result.trainLoss,
      test_loss: result.testLoss ?? null,
      reconstruction_error: correct === null ? squaredErrorPerCase(problem.trainRisk, params) : null,
      accuracy: correct,
      gradient_norm: norm(grad),
      iterations: result.state.iteration,
      seconds: result.state.seconds,
      stop: result.stop,
      stop_reason: result.detail,
      optimizer: o.optimizer,
      parameters: params.length,
      cases: problem.cases,
      resumed_from: resumeFrom?.iteration ?? null,
      out: o.out ?? null,
      history: result.state.history,
    };
  } finally {
    release();
  }
}

function progressLine(r: IterationRecord, budget: number | undefined, startIteration: number, started: number): string {
  const done = r.iteration - startIteration;
  const elapsed = (performance.now() - started) / 1000;
  const eta = budget === undefined || done === 0 ? "" : ` ETA ${Math.max(0, ((budget - r.iteration) * elapsed) / done).toFixed(0)} s`;
  return `iter ${r.iteration}${budget === undefined ? "" : `/${budget}`} loss ${r.loss.toPrecision(5)} ${describeInfo(r.info)}${eta}`;
}
