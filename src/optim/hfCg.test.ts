/** @file HF's own pieces in isolation: Martens' stopping rule, the save schedule, CG-backtracking, the λ rule, and the CG wrapper */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../kernels/random.js";
import { fromDense } from "../linalg/linearOperator.js";
import { cgBacktrack, hfConjugateGradient, progressStop, saveSchedule, updateDamping } from "./hfCg.js";

test("progressStop: k = max(10, ⌈0.1·i⌉), never before i > k, needs φ(xᵢ) < 0 and a relative gain below k·ε", () => {
  // φ decreasing to −1 with a tail: φ_j = −1 + 0.5^j
  const phi = Array.from({ length: 301 }, (_, j) => -1 + 0.5 ** j);
  assert.equal(progressStop(phi, 10), false); // i = k = 10: never
  // i = 11, k = 10: (φ11 − φ1)/φ11 = (0.5^11 − 0.5)/(−1 + 0.5^11) ≈ 0.5 > 10·5e-4
  assert.equal(progressStop(phi, 11), false);
  // i = 20: (φ20 − φ10)/φ20 ≈ 9.8e-4 < 5e-3 → stop
  assert.equal(progressStop(phi, 20), true);
  // the first stopping index is where 0.5^(i−10) ≈ 5e-3, i.e. i = 18 (0.5^8 = 3.9e-3 < 5e-3·(1 − …))
  const first = phi.findIndex((_, i) => i > 0 && progressStop(phi, i));
  assert.equal(first, 18);
  // k grows with i: at i = 200, k = 20
  const linear = Array.from({ length: 301 }, (_, j) => -j); // relative gain over k steps: k/i
  // stop iff k/i < k·ε ⇔ i > 1/ε = 2000: never within 300
  assert.equal(linear.some((_, i) => i > 0 && progressStop(linear, i)), false);
  // a positive φ never stops
  assert.equal(progressStop(Array.from({ length: 50 }, () => 1), 40), false);
  // ε and k are options: ε = 0.05, minGap 2 stops the linear sequence at i where 2/i·… k/i < k·0.05 ⇔ i > 20
  const i = linear.findIndex((_, j) => j > 0 && progressStop(linear, j, { tolerance: 0.05, minGap: 2, gapRatio: 0.1 }));
  assert.equal(i, 21);
});

test("saveSchedule is ⌈5·1.3ʲ⌉, as Martens' reference code (inext ← 1.3·inext)", () => {
  const s = saveSchedule(250);
  assert.deepEqual(s.slice(0, 10), [5, 7, 9, 11, 15, 19, 25, 32, 41, 54]);
  let inext = 5;
  const reference: number[] = [];
  for (let i = 1; i <= 250; i++) {
    if (i === Math.ceil(inext)) {
      reference.push(i);
      inext *= 1.3;
    }
  }
  assert.deepEqual(s, reference);
  assert.ok(s[s.length - 1]! <= 250);
});

test("updateDamping: ×3/2 below ρ = ¼ (and for NaN, −∞), ×2/3 above ¾, unchanged between", () => {
  assert.equal(updateDamping(1, 0.1), 1.5);
  assert.equal(updateDamping(1, NaN), 1.5);
  assert.equal(updateDamping(1, -Infinity), 1.5);
  assert.equal(updateDamping(1, 0.5), 1);
  assert.equal(updateDamping(1, 0.25), 1);
  assert.equal(updateDamping(1, 0.75), 1);
  assert.equal(updateDamping(3, 0.9), 2);
  assert.equal(updateDamping(2, 0.1, { boost: 2 }), 4);
});

test("cgBacktrack walks back from the last iterate while the objective improves, then stops", () => {
  const its = [5, 7, 9, 11, 14].map((iteration) => ({ iteration, x: Float64Array.of(iteration) }));
  const values: Record<number, number> = { 5: 3, 7: 1, 9: 2, 11: 2.5, 14: 4 };
  const seen: number[] = [];
  const r = cgBacktrack(its, (x) => {
    seen.push(x[0]!);
    return values[x[0]!]!;
  });
  // 14 (4) → 11 (2.5) better → 9 (2) better → 7 (1) better → 5 (3) worse: stop at 7
  assert.deepEqual(seen, [14, 11, 9, 7, 5]);
  assert.equal(r.iteration, 7);
  assert.equal(r.value, 1);
  // the last iterate is kept when its predecessor is no better (one extra evaluation)
  const kept = cgBacktrack(its, (x) => -x[0]!);
  assert.equal(kept.iteration, 14);
  assert.equal(kept.evaluations, 2);
  // NaN at the end is never better than a number
  assert.equal(cgBacktrack(its, (x) => (x[0] === 14 ? NaN : x[0]!)).iteration, 5);
});

test("hfConjugateGradient: saves the scheduled iterates and the last, φ matches ½xᵀAx − bᵀx, Martens' rule ends it early", () => {
  const rng = new Rng(5);
  const n = 60;
  // A = QΛQᵀ-like SPD with a wide spectrum: diag(1…1e4) + a small random symmetric part
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = 10 ** ((4 * i) / (n - 1));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const v = 0.01 * rng.normal();
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  const A = fromDense(a, n);
  const b = Float64Array.from({ length: n }, () => rng.normal());
  const r = hfConjugateGradient(A, b, { maxIter: 250 });
  assert.equal(r.stop, "progress");
  assert.ok(r.iterations < 250);
  const expected = saveSchedule(250).filter((i) => i < r.iterations);
  assert.deepEqual(r.iterates.map((s) => s.iteration), [...expected, r.iterations]);
  for (const { iteration, x } of r.iterates) {
    const ax = A.matvec(x);
    let phi = 0;
    for (let i = 0; i < n; i++) phi += x[i]! * (0.5 * ax[i]! - b[i]!);
    assert.ok(Math.abs(phi - r.phi[iteration]!) <= 1e-9 * Math.abs(phi), `φ at ${iteration}`);
  }
  // φ decreases monotonically (CG minimizes φ over growing Krylov spaces)
  for (let i = 1; i < r.phi.length; i++) assert.ok(r.phi[i]! <= r.phi[i - 1]! + 1e-12);
  // a warm start from the solution's neighbourhood stops sooner
  const warm = hfConjugateGradient(A, b, { x0: r.iterates[r.iterates.length - 1]!.x.map((x) => 0.95 * x) });
  assert.ok(warm.iterations <= r.iterations);
});

test("hfConjugateGradient exits on negative curvature keeping the last iterate", () => {
  const A = fromDense(Float64Array.of(2, 0, 0, 0, 1, 0, 0, 0, -1), 3);
  const r = hfConjugateGradient(A, Float64Array.of(1, 1, 1));
  assert.equal(r.stop, "negativeCurvature");
  assert.ok(r.iterates.length >= 1);
  assert.equal(r.iterates[r.iterates.length - 1]!.iteration, r.iterations);
});
