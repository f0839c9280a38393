/** @file per-layer block spectra against dense eigh of the diagonal blocks */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ndarray } from "../kernels/ndarray.js";
import { Rng } from "../kernels/random.js";
import { eigh } from "../linalg/eigh.js";
import { fromDense, toDense } from "../linalg/linearOperator.js";
import { mlp } from "../nn/index.js";
import { blockSpectrum, blockSize, layerBlocks, restrictOperator, type ParameterBlock } from "./blockSpectrum.js";
import { empiricalRisk } from "./empiricalRisk.js";
import { hessianOperator } from "./operators.js";

/** The principal submatrix of a row-major n×n matrix on the given indices. */
function submatrix(a: Float64Array, n: number, idx: readonly number[]): Float64Array {
  const m = idx.length;
  const out = new Float64Array(m * m);
  idx.forEach((r, i) => idx.forEach((c, j) => (out[i * m + j] = a[r * n + c]!)));
  return out;
}

function indices(block: ParameterBlock): number[] {
  return block.ranges.flatMap(([offset, size]) => Array.from({ length: size }, (_, i) => offset + i));
}

function randomSymmetric(n: number, rng: Rng, blockOf?: (i: number) => number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const x = blockOf === undefined || blockOf(i) === blockOf(j) ? rng.normal() : 0;
      a[i * n + j] = x;
      a[j * n + i] = x;
    }
  }
  return a;
}

function checkAgainstEigh(a: Float64Array, n: number, blocks: readonly ParameterBlock[], k: number): void {
  const result = blockSpectrum(fromDense(a, n), blocks, { top: k, bottom: k, traceProbes: 50, tol: 1e-12 });
  result.forEach((r, b) => {
    const idx = indices(blocks[b]!);
    const m = idx.length;
    const sub = submatrix(a, n, idx);
    const { values } = eigh(sub, m);
    const scale = Math.max(Math.abs(values[0]!), Math.abs(values[m - 1]!));
    assert.equal(r.size, m);
    assert.equal(r.top.length, Math.min(k, m));
    r.top.forEach((e, i) => assert.ok(Math.abs(e.value - values[m - 1 - i]!) <= 1e-10 * scale, `${r.name} top ${i}: ${e.value} vs ${values[m - 1 - i]}`));
    r.bottom.forEach((e, i) => assert.ok(Math.abs(e.value - values[i]!) <= 1e-10 * scale, `${r.name} bottom ${i}`));
    for (const e of [...r.top, ...r.bottom]) assert.ok(e.residual <= 1e-9 * scale);
    let tr = 0;
    for (let i = 0; i < m; i++) tr += sub[i * m + i]!;
    assert.ok(r.trace !== null && r.trace.exact);
    assert.ok(Math.abs(r.trace.estimate - tr) <= 1e-12 * (1 + Math.abs(tr)));
    assert.ok(r.converged);
    assert.ok(r.products > 0);
  });
}

describe("blockSpectrum", () => {
  test("block-diagonal dense operator: each block's extremes and trace equal eigh of that block (seed 11)", () => {
    const rng = new Rng(11);
    const sizes = [7, 12, 5];
    const n = sizes.reduce((a, b) => a + b, 0);
    const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
    const blockOf = (i: number): number => starts.filter((s) => s <= i).length - 1;
    const a = randomSymmetric(n, rng, blockOf);
    const blocks = sizes.map((size, i) => ({ name: `b${i}`, ranges: [[starts[i]!, size] as const] }));
    checkAgainstEigh(a, n, blocks, 2);
  });

  test("a coupled operator: the blocks are its principal submatrices, ranges may be split (seed 12)", () => {
    const rng = new Rng(12);
    const n = 20;
    const a = randomSymmetric(n, rng);
    const blocks: ParameterBlock[] = [
      { name: "split", ranges: [[0, 3], [10, 6]] },
      { name: "rest", ranges: [[3, 7], [16, 4]] },
    ];
    checkAgainstEigh(a, n, blocks, 3);
  });

  test("a tiny net's Hessian per layer: layerBlocks partition θ and the traces add up to tr(H) (seed 3)", () => {
    const rng = new Rng(3);
    const net = mlp([3, 4, 2], { hidden: "tanh", output: "linear", loss: "mse" });
    const inputs = ndarray(Float64Array.from({ length: 6 * 3 }, () => rng.normal()), [6, 3]);
    const targets = ndarray(Float64Array.from({ length: 6 * 2 }, () => rng.normal()), [6, 2]);
    const theta = Float64Array.from({ length: net.layout.size }, () => rng.normal());
    const op = hessianOperator(empiricalRisk(net, { inputs, targets }), theta);
    const blocks = layerBlocks(net);
    assert.deepEqual(blocks.map((b) => b.name), ["layers.0", "layers.1"]);
    assert.equal(blocks.reduce((s, b) => s + blockSize(b), 0), theta.length);
    const dense = toDense(op);
    const p = theta.length;
    let calls = 0;
    const result = blockSpectrum(op, blocks, { top: 2, bottom: 2, traceProbes: 30, onProduct: () => calls++ });
    let traceSum = 0;
    result.forEach((r, b) => {
      const idx = indices(blocks[b]!);
      const { values } = eigh(submatrix(dense, p, idx), idx.length);
      const scale = Math.max(...Array.from(values, Math.abs));
      assert.ok(Math.abs(r.top[0]!.value - values[values.length - 1]!) <= 1e-8 * scale);
      assert.ok(Math.abs(r.bottom[0]!.value - values[0]!) <= 1e-8 * scale);
      assert.ok(r.trace!.exact);
      traceSum += r.trace!.estimate;
    });
    let tr = 0;
    for (let i = 0; i < p; i++) tr += dense[i * p + i]!;
    assert.ok(Math.abs(traceSum - tr) <= 1e-10 * (1 + Math.abs(tr)));
    assert.equal(calls, result.reduce((s, r) => s + r.products, 0));
  });

  test("large blocks get a Hutchinson trace with a standard error", () => {
    const rng = new Rng(13);
    const n = 40;
    const a = randomSymmetric(n, rng);
    const [r] = blockSpectrum(fromDense(a, n), [{ name: "all", ranges: [[0, n]] }], { top: 1, bottom: 0, traceProbes: 10 });
    assert.ok(r!.trace !== null && !r!.trace.exact && r!.trace.probes === 10 && r!.trace.standardError > 0);
    let tr = 0;
    for (let i = 0; i < n; i++) tr += a[i * n + i]!;
    assert.ok(Math.abs(r!.trace.estimate - tr) < 5 * r!.trace.standardError);
  });

  test("restrictOperator rejects ranges outside θ and wrong-length vectors", () => {
    const op = fromDense(new Float64Array(16), 4);
    assert.throws(() => restrictOperator(op, { name: "x", ranges: [[2, 3]] }), /outside/);
    assert.throws(() => restrictOperator(op, { name: "x", ranges: [[0, 2]] }).matvec(new Float64Array(3)), /length 3/);
  });
});
