/** @file the profiling wrapper: same results as the backend it wraps, and every call counted under the right key with its flops */
import assert from "node:assert/strict";
import { test } from "node:test";
import { activationCode } from "../activations.js";
import { Rng } from "../random.js";
import { portableBackend } from "./portable.js";
import { profiledBackend, type KernelProfile } from "./profiledBackend.js";

const rng = new Rng(4);
const filled = (n: number): Float64Array => Float64Array.from({ length: n }, () => rng.uniform() - 0.5);

test("profiledBackend forwards every call unchanged and tallies calls, flops and keys without the batch size", () => {
  const [rows, din, dout] = [7, 5, 3];
  const a = filled(rows * din);
  const w = filled(din * dout);
  const bias = filled(dout);
  const profile: KernelProfile = new Map();
  const wrapped = profiledBackend(portableBackend, profile, rows);
  const run = (backend: typeof portableBackend): Float64Array[] => {
    const z = new Float64Array(rows * dout);
    const d1 = new Float64Array(rows * dout);
    // forward z = a·W, the activation with its derivative, then a weight-gradient product aᵀ·z
    backend.gemm({ transA: false, transB: false, m: rows, n: dout, k: din, alpha: 1, a, lda: din, b: w, ldb: dout, beta: 0, c: z, ldc: dout });
    backend.activate(activationCode("tanh"), z, bias, d1, null, rows, dout);
    const dw = new Float64Array(din * dout);
    backend.gemm({ transA: true, transB: false, m: din, n: dout, k: rows, alpha: 1, a, lda: din, b: z, ldb: dout, beta: 0, c: dw, ldc: dout });
    return [z, d1, dw];
  };
  const want = run(portableBackend);
  const got = run(wrapped);
  got.forEach((g, i) => assert.deepEqual(Array.from(g), Array.from(want[i]!)));
  const key = `gemm ${Math.min(din, dout)}×${Math.max(din, dout)}`;
  for (const form of ["NN", "TN"]) {
    const gemm = profile.get(`${key} ${form}`);
    assert.ok(gemm !== undefined, `keys: ${[...profile.keys()].join(", ")}`);
    assert.equal(gemm.calls, 1);
    assert.equal(gemm.flops, 2 * rows * din * dout);
  }
  assert.equal(profile.get("activate")?.calls, 1);
  assert.equal(profile.size, 3);
  for (const t of profile.values()) assert.ok(t.ms >= 0 && Number.isFinite(t.ms));
  assert.equal(wrapped.threads, portableBackend.threads);
});
