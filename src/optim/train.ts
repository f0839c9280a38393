/** @file the training loop: batches → context → update → apply → evaluate → checkpoint, deterministic and resumable */
import type { EmpiricalRisk } from "../curvature/empiricalRisk.js";
import type { DType } from "../kernels/ndarray.js";
import { riskValue } from "../curvature/riskLoop.js";
import { norm } from "../linalg/vector.js";
import { riskContext } from "./context.js";
import { budgetDetail, convergence, DEFAULT_GRADIENT_TOLERANCE, DEFAULT_RELATIVE_TOLERANCE, type StopReason, type TrainStop } from "./stopRules.js";
import { applyUpdates, type OptimizerInfo, type Transform } from "./transform.js";

/**
 * Where minibatches come from, as example indices; data stays outside optim. getState must return
 * plain data and setState must make next() continue exactly from there (data's BatchSampler fits
 * through a three-line adapter).
 */
export interface IndexSampler<B> {
  next(): ArrayLike<number>;
  getState(): B;
  setState(state: B): void;
}

/** The training problem as risks: on any subset of the training cases, and for evaluation. */
export interface TrainProblem {
  /** N, the number of training cases (indices are in [0, N)). */
  readonly cases: number;
  /** The empirical risk of the training cases at these indices. */
  risk(indices: ArrayLike<number>): EmpiricalRisk;
  /** The whole training set (evaluation, and the large gradient batch with largeBatch "all"). */
  readonly trainRisk: EmpiricalRisk;
  /** A held-out set, evaluated with the training set. */
  readonly testRisk?: EmpiricalRisk;
}

/** One history entry: the loss of the batch the gradient was taken on, and evaluations when due. */
export type IterationRecord = {
  /** Iterations done, counting this one (1 after the first update). */
  readonly iteration: number;
  /** Wall-clock seconds since the run began (summed over resumed segments). */
  readonly seconds: number;
  /** Training cases seen so far / N. */
  readonly epoch: number;
  /** Objective on the gradient's batch at the parameters before this update. */
  readonly loss: number;
  /** ‖θ_after − θ_before‖: 0 for a rejected step (absent in histories written before it was recorded). */
  readonly stepNorm?: number;
  /** Whole-training-set loss after the update (every evalEvery iterations). */
  readonly trainLoss?: number;
  readonly testLoss?: number;
  readonly info: OptimizerInfo;
};

/** Everything needed to continue a run exactly: plain data, for a checkpoint writer. */
export type TrainState<S, B> = {
  readonly iteration: number;
  readonly examplesSeen: number;
  readonly seconds: number;
  readonly seed: number;
  readonly params: Float64Array;
  readonly optimizer: S;
  readonly sampler: B;
  readonly history: readonly IterationRecord[];
};

/** Options of train. */
export interface TrainOptions<S, B> {
  readonly transform: Transform<S>;
  readonly problem: TrainProblem;
  readonly sampler: IndexSampler<B>;
  /** Initial θ (ignored when resuming). */
  readonly params: Float64Array;
  /** Seeds the per-iteration draws (Monte-Carlo targets); the sampler has its own seed. */
  readonly seed: number;
  /** The large gradient batch: the minibatch itself ("batch", default) or the whole training set ("all"). */
  readonly largeBatch?: "batch" | "all";
  /**
   * Size of the curvature minibatch: consecutive blocks of the current batch, cycling with the
   * iteration (Martens (2010) §4.8); default the whole batch.
   */
  readonly curvatureBatchSize?: number;
  readonly maxIterations?: number;
  readonly maxEpochs?: number;
  readonly maxSeconds?: number;
  /**
   * Stop ("gradientTolerance") once ‖∇L(θ)‖ ≤ this (the Euclidean norm) at the start of an
   * iteration. Default DEFAULT_GRADIENT_TOLERANCE; 0 turns it off. Checked only when the gradient
   * is of the whole training set: a minibatch gradient says nothing about convergence.
   */
  readonly gradientTolerance?: number;
  /**
   * Stop ("relativeTolerance") after a step that changed L by |L − L′| ≤ this·max(|L|, |L′|, 1)
   * (scipy's ftol). Default DEFAULT_RELATIVE_TOLERANCE; 0 turns it off. Whole-set runs only, like
   * gradientTolerance; a rejected (zero) step does not count, the optimizer's stall rule judges those.
   */
  readonly relativeTolerance?: number;
  /** Evaluate trainRisk/testRisk every N iterations (0: only at the end; default 0). */
  readonly evalEvery?: number;
  /** Call onCheckpoint every N iterations (and at the end); default only at the end. */
  readonly checkpointEvery?: number;
  readonly onIteration?: (record: IterationRecord) => void;
  /** Receives the state to save; trainAsync awaits a returned promise (train refuses one). */
  readonly onCheckpoint?: (state: TrainState<S, B>) => unknown;
  /** A state from onCheckpoint: continue from it (sampler and optimizer restored). */
  readonly resumeFrom?: TrainState<S, B>;
  /** Milliseconds clock (default performance.now). */
  readonly clock?: () => number;
  /**
   * The dtype θ is computed in and saved as (default float64): a step must leave θ finite *in it*
   * (1e39 is a float64 but overflows float32), or the run ends as nonFinite.
   */
  readonly dtype?: DType;
}

/** What went non-finite when a run ends as "nonFinite", and in which iteration. */
export interface NonFiniteEvent {
  /** The iteration that failed (its update is not applied: the state is that of iteration − 1). */
  readonly iteration: number;
  /** "loss": the batch loss at the current θ; "parameters", "optimizer state": after the update; the evaluations after it. */
  readonly what: "loss" | "parameters" | "optimizer state" | "training loss" | "test loss";
}

/** The final state, why the loop ended, and the final whole-set losses. */
export interface TrainResult<S, B> {
  readonly state: TrainState<S, B>;
  readonly stop: TrainStop;
  /** Present when stop is "nonFinite". */
  readonly nonFinite?: NonFiniteEvent;
  /** The reason in a sentence, with its numbers (e.g. "‖∇L‖ = 3.2e-9 ≤ gradientTolerance 1e-7"). */
  readonly detail: string;
  /** L(θ) on the whole training set at the end. */
  readonly trainLoss: number;
  readonly testLoss?: number;
}

/** The seed of iteration k's random draws: a hash of (run seed, k), so a resumed run draws the same. */
export function iterationSeed(seed: number, iteration: number): number {
  let h = Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(iteration | 0, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 15), 0x27d4eb2d);
  return (h ^ (h >>> 13)) >>> 0;
}

function curvatureIndices(batch: ArrayLike<number>, size: number | undefined, iteration: number): ArrayLike<number> | null {
  if (size === undefined || size >= batch.length) return null;
  const blocks = Math.ceil(batch.length / size);
  const start = (iteration % blocks) * size;
  return Array.from({ length: Math.min(size, batch.length - start) }, (_, i) => batch[start + i]!);
}

/** One training run advanced an iteration at a time: what train and trainAsync both drive. */
interface Trainer<S, B> {
  /** Why the run must stop now, or null to go on. */
  stopReason(): TrainStop | null;
  /** Runs one iteration; returns the state to checkpoint when one is due (or the run ends), else null. */
  step(): TrainState<S, B> | null;
  /** A snapshot of the current state (history copied). */
  snapshot(): TrainState<S, B>;
  /** The final result, evaluating the whole-set losses. */
  finish(stop: TrainStop): TrainResult<S, B>;
}

/** Whether every entry is finite once stored as `dtype`. */
function finiteIn(values: Float64Array, dtype: DType): boolean {
  if (dtype === "float32") return values.every((x) => Number.isFinite(Math.fround(x)));
  return values.every(Number.isFinite);
}

/** Whether every typed array in plain state holds only finite values (scalars may be NaN: "no record yet"). */
function finiteArrays(value: unknown, depth = 0): boolean {
  if (value instanceof Float64Array || value instanceof Float32Array) return value.every(Number.isFinite);
  if (typeof value !== "object" || value === null || depth > 64) return true;
  return Object.values(value).every((v) => finiteArrays(v, depth + 1));
}


function createTrainer<S, B>(options: TrainOptions<S, B>): Trainer<S, B> {
  const { transform, problem, sampler } = options;
  if (options.maxIterations === undefined && options.maxEpochs === undefined && options.maxSeconds === undefined) {
    throw new RangeError("train: give at least one budget (maxIterations, maxEpochs or maxSeconds)");
  }
  const clock = options.clock ?? ((): number => performance.now());
  const start = clock();
  const resume = options.resumeFrom;
  if (resume !== undefined) sampler.setState(resume.sampler);
  let state: TrainState<S, B> = resume ?? {
    iteration: 0,
    examplesSeen: 0,
    seconds: 0,
    seed: options.seed,
    params: Float64Array.from(options.params),
    optimizer: transform.init(options.params),
    sampler: sampler.getState(),
    history: [],
  };
  const baseSeconds = state.seconds;
  const seconds = (): number => baseSeconds + (clock() - start) / 1000;
  const history = [...state.history];
  const gtol = options.gradientTolerance ?? DEFAULT_GRADIENT_TOLERANCE;
  const ftol = options.relativeTolerance ?? DEFAULT_RELATIVE_TOLERANCE;
  // a stop the loop found inside an iteration (tolerance met, stall, non-finite step) and its sentence
  let ended: StopReason | null = null;
  const dtype = options.dtype ?? "float64";
  let failed: NonFiniteEvent | null = null;
  const evaluate = (params: Float64Array): { trainLoss: number; testLoss?: number } => ({
    trainLoss: riskValue(problem.trainRisk, params),
    ...(problem.testRisk !== undefined ? { testLoss: riskValue(problem.testRisk, params) } : {}),
  });
  const stopReason = (): TrainStop | null => {
    if (ended !== null) return ended.stop;
    if (options.maxIterations !== undefined && state.iteration >= options.maxIterations) return "maxIterations";
    if (options.maxEpochs !== undefined && state.examplesSeen >= options.maxEpochs * problem.cases) return "maxEpochs";
    if (options.maxSeconds !== undefined && seconds() >= options.maxSeconds) return "maxSeconds";
    return null;
  };
  const snapshot = (): TrainState<S, B> => ({ ...state, history: history.slice() });
  // the state stays that of the last good iteration: a non-finite one must not overwrite what was learned
  const fail = (what: NonFiniteEvent["what"]): TrainState<S, B> => {
    failed = { iteration: state.iteration + 1, what };
    ended = { stop: "nonFinite", detail: `iteration ${failed.iteration} made the ${what} non-finite in ${dtype} (the last finite state is kept)` };
    return snapshot();
  };
  return {
    stopReason,
    snapshot,
    step() {
      const k = state.iteration;
      const indices = sampler.next();
      const batch = problem.risk(indices);
      const curv = curvatureIndices(indices, options.curvatureBatchSize, k);
      const ctxBase = riskContext({
        params: state.params,
        iteration: k,
        seed: iterationSeed(state.seed, k),
        batch,
        ...(options.largeBatch === "all" ? { gradientBatch: problem.trainRisk } : {}),
        ...(curv !== null ? { curvatureBatch: problem.risk(curv) } : {}),
      });
      const large = transform.gradientSource === "large";
      const source = large ? ctxBase.gradientObjective : ctxBase.objective;
      const { value, grad } = source.valueAndGrad(state.params);
      if (!Number.isFinite(value)) return fail("loss");
      // the tolerances judge the objective itself, so only a gradient of the whole training set counts
      const wholeSet = large && options.largeBatch === "all" ? true : indices.length >= problem.cases;
      if (wholeSet) {
        ended = convergence(norm(grad), value, history[history.length - 1], gtol, ftol);
        if (ended !== null) return snapshot();
      }
      const [step, optimizer] = transform.update(grad, state.optimizer, { ...ctxBase, value });
      const params = applyUpdates(state.params, step);
      if (!finiteIn(params, dtype)) return fail("parameters");
      if (!finiteArrays(optimizer)) return fail("optimizer state");
      const iteration = k + 1;
      const examplesSeen = state.examplesSeen + indices.length;
      const due = options.evalEvery !== undefined && options.evalEvery > 0 && iteration % options.evalEvery === 0;
      const evaluation: { trainLoss?: number; testLoss?: number } = due ? evaluate(params) : {};
      if (evaluation.trainLoss !== undefined && !Number.isFinite(evaluation.trainLoss)) return fail("training loss");
      if (evaluation.testLoss !== undefined && !Number.isFinite(evaluation.testLoss)) return fail("test loss");
      const record: IterationRecord = {
        iteration,
        seconds: seconds(),
        epoch: examplesSeen / problem.cases,
        loss: value,
        stepNorm: norm(step),
        ...evaluation,
        info: transform.info?.(optimizer) ?? {},
      };
      history.push(record);
      // history is shared until a snapshot is taken, so the loop stays O(iterations)
      state = { iteration, examplesSeen, seconds: record.seconds, seed: state.seed, params, optimizer, sampler: sampler.getState(), history };
      options.onIteration?.(record);
      const stalled = transform.stalled?.(optimizer) ?? null;
      if (stalled !== null) ended = { stop: "stalled", detail: stalled };
      const every = options.checkpointEvery;
      return stopReason() !== null || (every !== undefined && every > 0 && iteration % every === 0) ? snapshot() : null;
    },
    finish(stop) {
      const final = snapshot();
      const losses = evaluate(final.params);
      let event = failed;
      if (event === null && !Number.isFinite(losses.trainLoss)) event = { iteration: final.iteration, what: "training loss" };
      if (event === null && losses.testLoss !== undefined && !Number.isFinite(losses.testLoss)) event = { iteration: final.iteration, what: "test loss" };
      if (event !== null) {
        const detail = failed === null ? `the final ${event.what} is non-finite` : ended!.detail;
        return { state: final, stop: "nonFinite", nonFinite: event, detail, ...losses };
      }
      return { state: final, stop, detail: ended?.stop === stop ? ended.detail : budgetDetail(stop, options), ...losses };
    },
  };
}

/**
 * Trains until a budget runs out (at least one of maxIterations, maxEpochs, maxSeconds is needed).
 * Each iteration: the sampler's indices → risks (minibatch, large batch, cycling curvature block) →
 * StepContext → gradient on the batch the transform asks for → update → θ + step. With the same
 * seed, sampler and inputs the run is bit-for-bit reproducible, and resumeFrom(state) continues it
 * exactly as if it had not stopped (iteration seeds are a hash of the iteration, not a stream).
 * A step that makes θ (in options.dtype) or the optimizer's arrays non-finite, or whose batch loss
 * or evaluation is non-finite, ends the run ("nonFinite", with result.nonFinite saying what) and
 * keeps the last good state; no non-finite evaluation ever enters the history.
 * On whole-set runs it also stops when converged: ‖∇L‖ ≤ gradientTolerance before a step, or a
 * step that changed L by at most relativeTolerance; and on any run when the transform's `stalled`
 * rule says it cannot make progress. TrainResult.detail says which, with the numbers.
 */
export function train<S, B>(options: TrainOptions<S, B>): TrainResult<S, B> {
  const trainer = createTrainer(options);
  let stop = trainer.stopReason();
  while (stop === null) {
    const due = trainer.step();
    if (due !== null && options.onCheckpoint?.(due) instanceof Promise) {
      throw new TypeError("train: onCheckpoint returned a promise; use trainAsync for asynchronous checkpoints");
    }
    stop = trainer.stopReason();
  }
  return trainer.finish(stop);
}

/**
 * Resolves in a new task of the event loop, in Node and in browsers alike, so timers, I/O and signal
 * handlers run first. A MessageChannel message is not clamped as setTimeout(0) is (1 ms in Node, 4 ms
 * when nested in browsers); closing the port frees the channel so it never keeps Node alive.
 */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

/** Options of trainAsync: train's, plus a signal that ends the run after the current iteration. */
export interface TrainAsyncOptions<S, B> extends TrainOptions<S, B> {
  /** When aborted, the run stops after the iteration in progress ("interrupted"), checkpointing first. */
  readonly signal?: AbortSignal;
}

/**
 * train, yielding to the event loop between iterations so signals (SIGINT/SIGTERM) are handled,
 * and awaiting onCheckpoint so a checkpoint is on disk before the next iteration starts.
 */
export async function trainAsync<S, B>(options: TrainAsyncOptions<S, B>): Promise<TrainResult<S, B>> {
  const trainer = createTrainer(options);
  const interrupted = (): boolean => options.signal?.aborted === true;
  let stop: TrainStop | null = interrupted() ? "interrupted" : trainer.stopReason();
  while (stop === null) {
    const due = trainer.step();
    await nextTask();
    stop = trainer.stopReason() ?? (interrupted() ? "interrupted" : null);
    const toSave = due ?? (stop === "interrupted" ? trainer.snapshot() : null);
    if (toSave !== null) await options.onCheckpoint?.(toSave);
  }
  return trainer.finish(stop);
}
