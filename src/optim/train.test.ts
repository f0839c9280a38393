/** @file the training loop: same seed → identical bits; resume from a checkpoint → bit-identical to an uninterrupted run; budgets and evaluation */
import assert from "node:assert/strict";
import { test } from "node:test";
import { momentum } from "./firstOrder.js";
import { hessianFree } from "./hessianFree.js";
import { kfac } from "./kfac.js";
import { shuffleSampler, tinyAutoencoder, trainProblem, type ShuffleState } from "./testing.js";
import { train, trainAsync, type TrainOptions, type TrainState } from "./train.js";
import { cloneState, isPlainState, type Transform } from "./transform.js";

const sameBits = (a: Float64Array, b: Float64Array): boolean =>
  a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** The parts of a state that must reproduce exactly (not the wall-clock seconds). */
function reproducible<S, B>(s: TrainState<S, B>): unknown {
  return { ...s, seconds: 0, history: s.history.map((r) => ({ ...r, seconds: 0 })) };
}

type Budgets = Pick<TrainOptions<unknown, ShuffleState>, "maxIterations" | "maxEpochs" | "maxSeconds">;

function setup<S>(transform: Transform<S>, budgets: Budgets = { maxIterations: 9 }, seed = 3): TrainOptions<S, ShuffleState> {
  const ae = tinyAutoencoder(seed, 24, [8, 4]);
  return {
    transform,
    problem: trainProblem(ae),
    sampler: shuffleSampler(24, 8, seed),
    params: ae.theta0,
    seed,
    curvatureBatchSize: 4,
    ...budgets,
    evalEvery: 3,
  };
}

const transforms: Record<string, () => Transform<unknown>> = {
  momentum: () => momentum(0.5),
  kfac: () => kfac({ learningRate: 0.05, inverseEvery: 2 }),
  hessianFree: () => hessianFree({ initialDamping: 1e-2, maxCgIterations: 20 }),
};

for (const [name, make] of Object.entries(transforms)) {
  test(`${name}: the same seed gives identical bits (params, optimizer state, losses)`, () => {
    const a = train(setup(make()));
    const b = train(setup(make()));
    assert.ok(sameBits(a.state.params, b.state.params));
    assert.deepEqual(reproducible(a.state), reproducible(b.state));
    assert.equal(a.stop, "maxIterations");
    assert.equal(a.state.iteration, 9);
    assert.ok(isPlainState(a.state.optimizer));
    assert.ok(a.trainLoss < a.state.history[0]!.loss, `${name} did not train: ${a.state.history[0]!.loss} → ${a.trainLoss}`);
  });

  test(`${name}: resuming from an iteration-4 checkpoint is bit-identical to the uninterrupted run`, () => {
    const full = train(setup(make()));
    let saved: TrainState<unknown, ShuffleState> | null = null;
    const first = setup(make());
    train({ ...first, maxIterations: 4, onCheckpoint: (s) => (saved = cloneState(s)) });
    assert.ok(saved !== null);
    const checkpoint = saved as TrainState<unknown, ShuffleState>;
    assert.equal(checkpoint.iteration, 4);
    // a fresh sampler object, as after a process restart: its state comes from the checkpoint
    const resumed = train({ ...setup(make()), resumeFrom: checkpoint });
    assert.ok(sameBits(resumed.state.params, full.state.params));
    assert.deepEqual(reproducible(resumed.state), reproducible(full.state));
  });
}

test("budgets: maxEpochs counts cases seen; evaluation every N iterations; onIteration sees each record", () => {
  const seen: number[] = [];
  const r = train({ ...setup(momentum(0.5), { maxEpochs: 2 }), evalEvery: 2, onIteration: (rec) => seen.push(rec.iteration) });
  // 24 cases, batches of 8: 2 epochs = 6 iterations
  assert.equal(r.stop, "maxEpochs");
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(r.state.history.map((h) => h.trainLoss !== undefined), [false, true, false, true, false, true]);
  assert.equal(r.state.history[5]!.epoch, 2);
  const t = train(setup(momentum(0.5), { maxSeconds: 0.05 }));
  assert.equal(t.stop, "maxSeconds");
  assert.throws(() => train(setup(momentum(0.5), {})), /budget/);
});

test("checkpoints arrive every checkpointEvery iterations and at the end, as snapshots", () => {
  const got: TrainState<unknown, unknown>[] = [];
  train({ ...setup(momentum(0.5)), checkpointEvery: 4, onCheckpoint: (s) => got.push(s) });
  assert.deepEqual(got.map((s) => s.iteration), [4, 8, 9]);
  assert.deepEqual(got.map((s) => s.history.length), [4, 8, 9]);
});

test("trainAsync: an abort stops after the current iteration with a checkpoint, and resuming matches the uninterrupted run", async () => {
  const full = train(setup(momentum(0.5)));
  const controller = new AbortController();
  let saved: TrainState<unknown, ShuffleState> | null = null;
  const first = await trainAsync({
    ...setup(momentum(0.5)),
    signal: controller.signal,
    onIteration: (rec) => {
      if (rec.iteration === 5) controller.abort();
    },
    onCheckpoint: async (s) => {
      await new Promise((resolve) => setTimeout(resolve, 1)); // an asynchronous write is awaited
      saved = cloneState(s);
    },
  });
  assert.equal(first.stop, "interrupted");
  assert.equal(first.state.iteration, 5);
  const checkpoint = saved as TrainState<unknown, ShuffleState> | null;
  assert.equal(checkpoint?.iteration, 5);
  const resumed = await trainAsync({ ...setup(transforms.momentum!()), resumeFrom: checkpoint });
  assert.ok(sameBits(resumed.state.params, full.state.params));
  assert.deepEqual(reproducible(resumed.state), reproducible(full.state));
});

test("train refuses an asynchronous onCheckpoint (it could not await it)", () => {
  assert.throws(() => train({ ...setup(momentum(0.5)), onCheckpoint: () => Promise.resolve() }), /use trainAsync/);
});

/** A transform that takes zero steps, except at update `at`, where it moves every parameter to `to`. */
function jumpAt(at: number, to: number): Transform<{ readonly count: number }> {
  return {
    init: () => ({ count: 0 }),
    update: (g, s, ctx) => [g.map((_, i) => (s.count === at ? to - ctx.params[i]! : 0)), { count: s.count + 1 }],
  };
}

test("a step whose parameters overflow the stored dtype ends the run as nonFinite, keeping the last finite state", () => {
  const saved: number[] = [];
  const r = train({ ...setup(jumpAt(2, 1e39)), dtype: "float32", onCheckpoint: (s) => saved.push(s.iteration) });
  assert.equal(r.stop, "nonFinite");
  assert.deepEqual(r.nonFinite, { iteration: 3, what: "parameters" });
  assert.equal(r.state.iteration, 2);
  assert.ok(r.state.params.every((x) => Number.isFinite(Math.fround(x))));
  assert.deepEqual(saved, [2], "the checkpoint written is the last finite state");
  // 1e39 is an ordinary float64: the same run in float64 goes on
  assert.equal(train({ ...setup(jumpAt(2, 1e39)), dtype: "float64" }).stop, "maxIterations");
});

test("a non-finite evaluation ends the run and is never recorded as a good state", () => {
  // θ = 1e308 everywhere is finite, but the logits overflow: every loss at it is non-finite
  const r = train({ ...setup(jumpAt(2, 1e308)), evalEvery: 1 });
  assert.equal(r.stop, "nonFinite");
  assert.deepEqual(r.nonFinite, { iteration: 3, what: "training loss" });
  assert.equal(r.state.iteration, 2);
  assert.equal(r.state.history.length, 2);
  for (const h of r.state.history) assert.ok([h.loss, h.trainLoss, h.testLoss].every((x) => x === undefined || Number.isFinite(x)));
  assert.ok(Number.isFinite(r.trainLoss));
  // without evaluations, the next batch loss at that θ is caught instead
  const q = train({ ...setup(jumpAt(2, 1e308)), evalEvery: 0 });
  assert.deepEqual(q.nonFinite, { iteration: 4, what: "loss" });
  assert.equal(q.state.iteration, 3);
});
