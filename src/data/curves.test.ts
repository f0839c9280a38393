import { test } from "node:test";
import assert from "node:assert/strict";
import { generateCurves, loadCurves, renderCurve } from "./curves.js";
import { isAutoencoder, validateDataset } from "./dataset.js";

test("generateCurves (seed 1) is deterministic, a prefix of longer runs, and seed-dependent", () => {
  const a = generateCurves({ n: 50, seed: 1, dtype: "float64" });
  assert.deepEqual(generateCurves({ n: 50, seed: 1, dtype: "float64" }).inputs.data, a.inputs.data);
  const longer = generateCurves({ n: 80, seed: 1, dtype: "float64" });
  assert.deepEqual(longer.inputs.data.subarray(0, 50 * 784), a.inputs.data);
  const other = generateCurves({ n: 50, seed: 2, dtype: "float64" });
  for (let i = 0; i < 50; i++) {
    const row = (d: Float64Array | Float32Array): string => d.subarray(784 * i, 784 * (i + 1)).join(",");
    assert.notEqual(row(other.inputs.data), row(a.inputs.data), `image ${i}`);
  }
  const f32 = generateCurves({ n: 50, seed: 1, dtype: "float32" });
  assert.deepEqual(f32.inputs.data, Float32Array.from(a.inputs.data));
});

test("generateCurves (seed 3): autoencoder set of 28×28 images in [0, 1], each a thin connected curve", () => {
  const n = 300;
  const ds = generateCurves({ n, seed: 3, dtype: "float64" });
  validateDataset(ds);
  assert.equal(ds.name, "curves");
  assert.ok(isAutoencoder(ds));
  assert.deepEqual(ds.inputs.shape, [n, 784]);
  for (let i = 0; i < n; i++) {
    const img = ds.inputs.data.subarray(784 * i, 784 * (i + 1));
    let lit = 0;
    let dark = 0;
    let max = 0;
    for (const v of img) {
      assert.ok(v >= 0 && v <= 1);
      if (v > 0.5) lit++;
      if (v === 0) dark++;
      max = Math.max(max, v);
    }
    // The stroke's centre passes within √2/2 of some pixel centre, so some pixel gets ≥ 1.5 − 0.71.
    assert.ok(max >= 0.79, `image ${i}: max ${max}`);
    assert.ok(lit >= 3 && lit <= 250, `image ${i}: ${lit} lit pixels`);
    assert.ok(dark >= 0.6 * 784, `image ${i}: only ${dark} dark pixels`);
    assert.equal(components(img), 1, `image ${i} is one stroke`);
  }
});

test("renderCurve draws collinear points as a straight anti-aliased line of width 2", () => {
  const img = renderCurve([4, 14.5, 14, 14.5, 24, 14.5]);
  const at = (r: number, c: number): number => img[r * 28 + c]!;
  for (let c = 3; c <= 24; c++) assert.ok(Math.abs(at(14, c) - 1) < 1e-9, `on the line at column ${c}`);
  for (let c = 4; c <= 23; c++) {
    assert.ok(Math.abs(at(13, c) - 0.5) < 1e-9 && Math.abs(at(15, c) - 0.5) < 1e-9, `one pixel off at ${c}`);
  }
  for (let c = 0; c < 28; c++) assert.ok(at(12, c) === 0 && at(16, c) === 0, `two pixels off at ${c}`);
  // Beyond the end points (4, 14.5) and (24, 14.5) the pixel centres 2.5 and 25.5 are 1.5 away: no ink.
  assert.equal(at(14, 2), 0);
  assert.equal(at(14, 25), 0);
  // A wider pen inks more.
  const wide = renderCurve([4, 14.5, 14, 14.5, 24, 14.5], { strokeWidth: 4 });
  assert.ok(Math.abs(wide[13 * 28 + 10]! - 1) < 1e-9 && Math.abs(wide[12 * 28 + 10]! - 0.5) < 1e-9);
});

test("loadCurves (seed 6) splits one stream into train then test", () => {
  const { train, test: held } = loadCurves({ seed: 6, dtype: "float32", trainSize: 30, testSize: 10, size: 16 });
  const all = generateCurves({ n: 40, seed: 6, dtype: "float32", size: 16 });
  assert.deepEqual(train.inputs.shape, [30, 256]);
  assert.deepEqual(held.inputs.shape, [10, 256]);
  assert.deepEqual(held.inputs.data, all.inputs.data.subarray(30 * 256));
  assert.ok(isAutoencoder(train) && isAutoencoder(held));
  assert.throws(() => generateCurves({ n: 1, seed: 0, dtype: "float64", size: 0 }), RangeError);
  assert.throws(() => generateCurves({ n: 1, seed: 0, dtype: "float64", strokeWidth: -1 }), RangeError);
});

/** Number of 8-connected components of the inked (> 0) pixels of a 28×28 image. */
function components(img: Float64Array | Float32Array): number {
  const seen = new Uint8Array(784);
  let count = 0;
  for (let start = 0; start < 784; start++) {
    if (img[start] === 0 || seen[start] === 1) continue;
    count++;
    const stack = [start];
    seen[start] = 1;
    while (stack.length > 0) {
      const k = stack.pop()!;
      const [r, c] = [Math.floor(k / 28), k % 28];
      for (let dr = -1; dr <= 1; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          const [rr, cc] = [r + dr, c + dc];
          const j = rr * 28 + cc;
          if (rr >= 0 && rr < 28 && cc >= 0 && cc < 28 && img[j] !== 0 && seen[j] === 0) {
            seen[j] = 1;
            stack.push(j);
          }
        }
      }
    }
  }
  return count;
}
