import { test } from "node:test";
import assert from "node:assert/strict";
import { BatchSampler, takeRows, type BatchSamplerState } from "./batches.js";

const sorted = (batches: Int32Array[]): number[] => batches.flatMap((b) => Array.from(b)).sort((a, b) => a - b);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

test("takeRows gathers rows of 2-D and 3-D arrays and rejects bad indices", () => {
  const a = { shape: [3, 2, 2], dtype: "float32" as const, data: Float32Array.from(range(12)) };
  const r = takeRows(a, [2, 0]);
  assert.deepEqual(r.shape, [2, 2, 2]);
  assert.equal(r.dtype, "float32");
  assert.deepEqual(Array.from(r.data), [8, 9, 10, 11, 0, 1, 2, 3]);
  assert.deepEqual(takeRows(a, []).shape, [0, 2, 2]);
  assert.throws(() => takeRows(a, [0, -1]), /index -1 \(position 1\) is outside \[0, 3\)/);
  assert.throws(() => takeRows(a, [0.5]), RangeError);
});

test("BatchSampler (seed 7) covers every index exactly once per epoch, last batch smaller", () => {
  const sampler = new BatchSampler({ n: 10, batchSize: 3, seed: 7 });
  assert.equal(sampler.batchesPerEpoch, 4);
  for (let epoch = 0; epoch < 5; epoch++) {
    assert.equal(sampler.epoch, epoch);
    const batches = sampler.nextEpoch();
    assert.deepEqual(batches.map((b) => b.length), [3, 3, 3, 1]);
    assert.deepEqual(sorted(batches), range(10));
  }
});

test("BatchSampler (seed 1) reshuffles across epochs; the same seed repeats, another differs", () => {
  const orders = (seed: number): string[] => {
    const s = new BatchSampler({ n: 50, batchSize: 8, seed });
    return range(4).map(() => s.nextEpoch().map((b) => b.join(",")).join("|"));
  };
  const a = orders(1);
  assert.equal(new Set(a).size, 4, "each epoch has its own order");
  assert.notEqual(a[0], range(50).join(","), "shuffled");
  assert.deepEqual(orders(1), a);
  assert.notDeepEqual(orders(2), a);
});

test("BatchSampler (seed 3) resumes the identical sequence from a JSON round-tripped state", () => {
  for (const stopAfter of [0, 5, 7, 8, 13]) {
    const a = new BatchSampler({ n: 23, batchSize: 4, seed: 3, dropLast: stopAfter % 2 === 1 });
    for (let i = 0; i < stopAfter; i++) a.next();
    const saved = JSON.parse(JSON.stringify(a.getState())) as BatchSamplerState;
    const b = BatchSampler.fromState(saved);
    assert.equal(b.epoch, a.epoch);
    for (let i = 0; i < 30; i++) assert.deepEqual(b.next(), a.next(), `batch ${i} after resuming at ${stopAfter}`);
  }
});

test("BatchSampler dropLast and shuffle: false", () => {
  const d = new BatchSampler({ n: 10, batchSize: 4, seed: 5, dropLast: true });
  assert.equal(d.batchesPerEpoch, 2);
  for (let e = 0; e < 3; e++) {
    const batches = d.nextEpoch();
    assert.deepEqual(batches.map((b) => b.length), [4, 4]);
    assert.equal(new Set(sorted(batches)).size, 8);
  }
  const inOrder = new BatchSampler({ n: 5, batchSize: 2, seed: 5, shuffle: false });
  assert.deepEqual(inOrder.nextEpoch().map((b) => Array.from(b)), [[0, 1], [2, 3], [4]]);
  assert.deepEqual(Array.from(inOrder.next()), [0, 1]);
});

test("BatchSampler rejects bad options and foreign states", () => {
  assert.throws(() => new BatchSampler({ n: 0, batchSize: 1, seed: 0 }), RangeError);
  assert.throws(() => new BatchSampler({ n: 5, batchSize: 0, seed: 0 }), RangeError);
  assert.throws(() => new BatchSampler({ n: 5, batchSize: 6, seed: 0, dropLast: true }), /yields no batch/);
  const s = new BatchSampler({ n: 5, batchSize: 2, seed: 0 });
  const state = s.getState();
  assert.throws(() => new BatchSampler({ n: 6, batchSize: 2, seed: 0 }).setState(state), /state is for n=5/);
  assert.throws(() => s.setState({ ...state, permutation: [0, 1, 2, 3, 3] }), /not a permutation/);
  assert.throws(() => s.setState({ ...state, position: 6 }), /position 6/);
});
