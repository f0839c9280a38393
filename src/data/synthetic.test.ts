import { test } from "node:test";
import assert from "node:assert/strict";
import { validateDataset } from "./dataset.js";
import { syntheticClassification, syntheticRegression } from "./synthetic.js";

test("syntheticRegression (seed 4) is deterministic, seed-dependent and valid", () => {
  const opts = { n: 40, dIn: 5, dOut: 3, noise: 0.1, seed: 4, dtype: "float64" as const, hidden: 6 };
  const a = syntheticRegression(opts);
  validateDataset(a);
  assert.deepEqual(a.inputs.shape, [40, 5]);
  assert.deepEqual(a.targets.shape, [40, 3]);
  assert.notEqual(a.targets, a.inputs);
  assert.deepEqual(syntheticRegression(opts), a);
  assert.notDeepEqual(syntheticRegression({ ...opts, seed: 5 }).inputs.data, a.inputs.data);
  const f32 = syntheticRegression({ ...opts, dtype: "float32" });
  assert.equal(f32.targets.dtype, "float32");
  assert.deepEqual(f32.targets.data, Float32Array.from(a.targets.data));
});

test("syntheticRegression (seed 11): the noise is added last with the requested scale", () => {
  const base = { n: 4000, dIn: 2, dOut: 1, seed: 11, dtype: "float64" as const };
  const clean = syntheticRegression({ ...base, noise: 0 });
  const noisy = syntheticRegression({ ...base, noise: 0.5 });
  assert.deepEqual(noisy.inputs.data, clean.inputs.data);
  let ss = 0;
  for (let i = 0; i < 4000; i++) ss += (noisy.targets.data[i]! - clean.targets.data[i]!) ** 2;
  // Sample std of 4000 normals: relative standard error ≈ 1/√8000 ≈ 1.1%, so 5% is ~4.5σ.
  assert.ok(Math.abs(Math.sqrt(ss / 4000) / 0.5 - 1) < 0.05);
});

test("syntheticRegression (seed 2): a linear teacher gives affine targets, a tanh teacher does not", () => {
  const slopes = (hidden: number): number[] => {
    const d = syntheticRegression({ n: 30, dIn: 1, dOut: 1, noise: 0, seed: 2, dtype: "float64", hidden });
    const [x, y] = [d.inputs.data, d.targets.data];
    return Array.from({ length: 29 }, (_, i) => (y[i + 1]! - y[0]!) / (x[i + 1]! - x[0]!));
  };
  const linear = slopes(0);
  for (const s of linear) assert.ok(Math.abs(s - linear[0]!) < 1e-9 * Math.max(1, Math.abs(s)));
  const tanh = slopes(4);
  assert.ok(Math.max(...tanh) - Math.min(...tanh) > 1e-3);
});

test("syntheticClassification (seed 8): one-hot targets match balanced labels; blobs separate", () => {
  const ds = syntheticClassification({ n: 300, dIn: 4, classes: 3, seed: 8, dtype: "float64" });
  validateDataset(ds);
  assert.deepEqual(ds.targets.shape, [300, 3]);
  const labels = ds.labels!;
  const counts = [0, 0, 0];
  for (let i = 0; i < 300; i++) {
    const c = labels[i]!;
    counts[c]!++;
    assert.deepEqual(Array.from(ds.targets.data.subarray(3 * i, 3 * i + 3)), [0, 1, 2].map((k) => (k === c ? 1 : 0)));
  }
  assert.deepEqual(counts, [100, 100, 100]);
  assert.notDeepEqual(Array.from(labels.subarray(0, 6)), [0, 1, 2, 0, 1, 2], "labels are shuffled");
  // Nearest class mean should classify nearly all points (centres ~3σ apart vs unit blobs).
  const means = [0, 1, 2].map((c) => {
    const m = [0, 0, 0, 0];
    for (let i = 0; i < 300; i++) if (labels[i] === c) for (let k = 0; k < 4; k++) m[k]! += ds.inputs.data[4 * i + k]! / 100;
    return m;
  });
  let correct = 0;
  for (let i = 0; i < 300; i++) {
    const dist = means.map((m) => m.reduce((s, mk, k) => s + (ds.inputs.data[4 * i + k]! - mk) ** 2, 0));
    if (dist.indexOf(Math.min(...dist)) === labels[i]) correct++;
  }
  assert.ok(correct >= 270, `nearest-mean accuracy ${correct}/300`);
  assert.deepEqual(syntheticClassification({ n: 300, dIn: 4, classes: 3, seed: 8, dtype: "float64" }), ds);
  assert.throws(() => syntheticClassification({ n: 3, dIn: 1, classes: 1, seed: 0, dtype: "float64" }), RangeError);
});
