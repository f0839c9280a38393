/** @file L-BFGS and BFGS against textbook formulas written independently here */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../kernels/random.js";
import { problemContext } from "./context.js";
import { bfgs } from "./bfgs.js";
import { lbfgs, twoLoop } from "./lbfgs.js";
import { ROSENBROCK } from "./testing.js";
import { applyUpdates } from "./transform.js";

const dotp = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** Nocedal & Wright (2006) Alg. 7.4 transcribed with plain arrays: r = H_k q. */
function textbookTwoLoop(q: number[], S: number[][], Y: number[][]): number[] {
  const k = S.length;
  const a: number[] = new Array<number>(k).fill(0);
  const qq = [...q];
  for (let i = k - 1; i >= 0; i--) {
    const rho = 1 / dotp(Y[i]!, S[i]!);
    a[i] = rho * dotp(S[i]!, qq);
    for (let j = 0; j < qq.length; j++) qq[j] = qq[j]! - a[i]! * Y[i]![j]!;
  }
  const gamma = k === 0 ? 1 : dotp(S[k - 1]!, Y[k - 1]!) / dotp(Y[k - 1]!, Y[k - 1]!);
  const r = qq.map((x) => gamma * x);
  for (let i = 0; i < k; i++) {
    const rho = 1 / dotp(Y[i]!, S[i]!);
    const b = rho * dotp(Y[i]!, r);
    for (let j = 0; j < r.length; j++) r[j] = r[j]! + S[i]![j]! * (a[i]! - b);
  }
  return r;
}

/** The dense BFGS recursion H ← (I − ρsyᵀ)H(I − ρysᵀ) + ρssᵀ from H₀ = γI (eq. 7.19), as matrices. */
function denseInverse(S: number[][], Y: number[][], n: number): number[][] {
  const k = S.length;
  const gamma = dotp(S[k - 1]!, Y[k - 1]!) / dotp(Y[k - 1]!, Y[k - 1]!);
  let H = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? gamma : 0)));
  for (let m = 0; m < k; m++) {
    const s = S[m]!;
    const y = Y[m]!;
    const rho = 1 / dotp(s, y);
    const V = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0) - rho * y[i]! * s[j]!));
    // VᵀHV + ρssᵀ
    const HV = H.map((row) => Array.from({ length: n }, (_, j) => row.reduce((acc, h, l) => acc + h * V[l]![j]!, 0)));
    H = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => V.reduce((acc, row, l) => acc + row[i]! * HV[l]![j]!, 0) + rho * s[i]! * s[j]!),
    );
  }
  return H;
}

test("twoLoop equals a textbook two-loop and the dense BFGS recursion on 6 random curvature pairs in R⁵ (seed 3)", () => {
  const rng = new Rng(3);
  const n = 5;
  const S: number[][] = [];
  const Y: number[][] = [];
  while (S.length < 6) {
    const s = Array.from({ length: n }, () => rng.normal());
    const y = s.map((x) => 2 * x + 0.5 * rng.normal());
    if (dotp(s, y) > 0.1) {
      S.push(s);
      Y.push(y);
    }
  }
  const q = Array.from({ length: n }, () => rng.normal());
  const ours = twoLoop(Float64Array.from(q), S.map((s) => Float64Array.from(s)), Y.map((y) => Float64Array.from(y)));
  const book = textbookTwoLoop(q, S, Y);
  const H = denseInverse(S, Y, n);
  const dense = H.map((row) => dotp(row, q));
  for (let i = 0; i < n; i++) {
    assert.ok(Math.abs(ours[i]! - book[i]!) <= 1e-12 * (1 + Math.abs(book[i]!)));
    assert.ok(Math.abs(ours[i]! - dense[i]!) <= 1e-10 * (1 + Math.abs(dense[i]!)));
  }
  // the secant equation H_k y_{k−1} = s_{k−1}
  const hy = twoLoop(Float64Array.from(Y[5]!), S.map((s) => Float64Array.from(s)), Y.map((y) => Float64Array.from(y)));
  for (let i = 0; i < n; i++) assert.ok(Math.abs(hy[i]! - S[5]![i]!) < 1e-10);
});

test("every lbfgs step on Rosenbrock is α·(−H_k g) with H_k from the textbook two-loop over the stored pairs, m = 3", () => {
  const t = lbfgs({ memory: 3 });
  let theta: Float64Array = Float64Array.from(ROSENBROCK.start);
  let state = t.init(theta);
  for (let k = 0; k < 25; k++) {
    const { grad } = ROSENBROCK.problem.objective.valueAndGrad(theta);
    const expected = textbookTwoLoop(Array.from(grad), state.s.map((s) => Array.from(s)), state.y.map((y) => Array.from(y))).map((x) => -x);
    const [step, next] = t.update(grad, state, problemContext(ROSENBROCK.problem, theta, k));
    assert.ok(next.s.length <= 3);
    assert.equal(next.lineSearch, "wolfe");
    const alpha = next.alpha;
    for (let i = 0; i < 2; i++) assert.ok(Math.abs(step[i]! - alpha * expected[i]!) <= 1e-10 * (1 + Math.abs(step[i]!)), `iteration ${k}`);
    theta = applyUpdates(theta, step);
    state = next;
  }
});

test("bfgs's inverse Hessian satisfies the secant equation H y = s after each update", () => {
  const t = bfgs();
  let theta: Float64Array = Float64Array.from(ROSENBROCK.start);
  let state = t.init(theta);
  for (let k = 0; k < 10; k++) {
    const { grad } = ROSENBROCK.problem.objective.valueAndGrad(theta);
    const [s, next] = t.update(grad, state, problemContext(ROSENBROCK.problem, theta, k));
    const theta1 = applyUpdates(theta, s);
    const y = ROSENBROCK.problem.objective.valueAndGrad(theta1).grad.map((x, i) => x - grad[i]!);
    const H = next.inverseHessian;
    for (let i = 0; i < 2; i++) assert.ok(Math.abs(H[i * 2]! * y[0]! + H[i * 2 + 1]! * y[1]! - s[i]!) < 1e-9 * (1 + Math.abs(s[i]!)));
    theta = theta1;
    state = next;
  }
});
