/** @file restored train states: every optimizer's own state passes the schema, and every field's corruption is exit 3 naming the file */
import assert from "node:assert/strict";
import { test } from "node:test";
import { BatchSampler, initialize, mlp, ndarray, Rng, train, type BatchSamplerState, type TrainState } from "../node.js";
import { CliError, EXIT } from "./command.js";
import { validateState, type StateExpectations } from "./trainCheckpoint.js";
import { makeOptimizer, OPTIMIZERS, trainProblem } from "./trainSetup.js";

const net = mlp([3, 4, 2], { hidden: "tanh", output: "linear", loss: "softmax_cross_entropy" });
const theta = initialize(net, { scheme: "glorot", seed: 1 });
const rng = new Rng(2);
const n = 6;
const targets = new Float64Array(n * 2);
for (let i = 0; i < n; i++) targets[i * 2 + rng.int(2)] = 1;
const problem = trainProblem(net, { name: "t", inputs: ndarray(Float64Array.from({ length: n * 3 }, () => rng.normal()), [n, 3]), targets: ndarray(targets, [n, 2]) }, undefined, "float64");

function run(optimizer: (typeof OPTIMIZERS)[number], iterations = 3): { state: TrainState<unknown, BatchSamplerState>; expect: StateExpectations } {
  const make = (): BatchSampler => new BatchSampler({ n, batchSize: 3, seed: 4 });
  const transform = makeOptimizer({ optimizer });
  const r = train({ transform, problem, sampler: make(), params: theta, seed: 4, maxIterations: iterations, evalEvery: 1, gradientTolerance: 0, relativeTolerance: 0 });
  return { state: r.state, expect: { parameters: theta.length, cases: n, seed: 4, sampler: make().getState(), optimizerTemplate: transform.init(theta) } };
}

for (const optimizer of OPTIMIZERS) {
  test(`${optimizer}: its own state after a few iterations passes the schema`, () => {
    const { state, expect } = run(optimizer);
    assert.equal(validateState(state, expect, "ckpt"), state);
  });
}

/** A deep copy of a state with one change made by `edit` on a mutable copy. */
function mutant(state: TrainState<unknown, BatchSamplerState>, edit: (s: Record<string, unknown>) => void): unknown {
  const copy = (v: unknown): unknown =>
    v instanceof Float64Array ? Float64Array.from(v) : Array.isArray(v) ? v.map(copy) : typeof v === "object" && v !== null ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)])) : v;
  const s = copy(state) as Record<string, unknown>;
  edit(s);
  return s;
}

test("corrupted fields are exit 3 naming the file: the cases that hung, crashed or resumed to NaN", () => {
  const { state, expect } = run("lbfgs", 4);
  const at = (o: unknown, path: string[]): Record<string, unknown> => path.reduce((x, k) => (x as Record<string, unknown>)[k], o) as Record<string, unknown>;
  const edits: [string, (s: Record<string, unknown>) => void][] = [
    ["iteration missing", (s) => delete s.iteration],
    ["iteration NaN", (s) => (s.iteration = NaN)],
    ["iteration negative", (s) => (s.iteration = -1)],
    ["iteration ahead of the history", (s) => (s.iteration = 5)],
    ["a NaN in params", (s) => ((s.params as Float64Array)[0] = NaN)],
    ["params too short", (s) => (s.params = new Float64Array(3))],
    ["params as a plain array", (s) => (s.params = Array.from(s.params as Float64Array))],
    ["history not an array", (s) => (s.history = 7)],
    ["a history record's loss a string", (s) => ((s.history as Record<string, unknown>[])[0]!.loss = "x")],
    ["permutation not a permutation", (s) => ((at(s, ["sampler"]).permutation as number[])[0] = (at(s, ["sampler"]).permutation as number[])[1]!)],
    ["sampler position out of range", (s) => (at(s, ["sampler"]).position = 1e9)],
    ["rng words wrong", (s) => (at(s, ["sampler", "rng"]).words = [1, 2, 3])],
    ["seed changed", (s) => (s.seed = 99)],
    ["optimizer state missing a key", (s) => delete (s.optimizer as Record<string, unknown>).s],
    ["optimizer pair with NaN", (s) => ((at(s, ["optimizer"]).s as Float64Array[]).push(new Float64Array(theta.length).fill(NaN)))],
    ["optimizer scalar NaN", (s) => (at(s, ["optimizer"]).alpha = NaN)],
    ["optimizer nested deep", (s) => (at(s, ["optimizer"]).s = Array.from({ length: 40 }).reduce<unknown>((x) => [x], 1))],
  ];
  for (const [name, edit] of edits) {
    assert.throws(
      () => validateState(mutant(state, edit), expect, "dir/checkpoint.safetensors"),
      (e: unknown) => e instanceof CliError && e.exitCode === EXIT.input && e.message.startsWith("dir/checkpoint.safetensors: corrupted train checkpoint") && !e.message.includes("\n"),
      name,
    );
  }
});
