/** @file the lab's analysis against closed-form Hessians, eigenvalues from the 2×2 characteristic polynomial, and central differences */
import assert from "node:assert/strict";
import { test } from "node:test";
import { FUNCTION_NAMES, labFunction, quadraticHessian, scalarForm } from "./functions.js";
import { tensor } from "../../src/index.js";
import { analyzePoint, type LabQuery } from "./labModel.js";
import { DEFAULT_QUADRATIC, type FunctionName } from "./functions.js";

const at = (fn: FunctionName, x: number, y: number): LabQuery => ({ fn, x, y, quadratic: DEFAULT_QUADRATIC });

/** Eigenvalues of [[a, b], [b, c]], descending, from (tr ± √(tr² − 4 det))/2 written out (not the library's eigh). */
function eig2(a: number, b: number, c: number): [number, number] {
  const mid = (a + c) / 2;
  const r = Math.hypot((a - c) / 2, b);
  return [mid + r, mid - r];
}

function close(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

test("rosenbrock at (1, 1): Hessian [[802, −400], [−400, 200]], eigenvalues 1001.6006 and 0.3994, a minimum", () => {
  // ∂²/∂x² = 2 − 400(y − x²) + 800x² = 802, ∂²/∂x∂y = −400x = −400, ∂²/∂y² = 200 at (1, 1)
  const a = analyzePoint(at("rosenbrock", 1, 1));
  assert.deepEqual(a.hessian, [[802, -400], [-400, 200]]);
  const [l1, l2] = eig2(802, -400, 200);
  close(a.eigenvalues[0], l1, 1e-12, "λ₁");
  close(a.eigenvalues[1], l2, 1e-10, "λ₂");
  close(l1, 1001.6006, 1e-7, "λ₁ to the brief's digits");
  close(l2, 0.3994, 1e-4, "λ₂ to the brief's digits");
  assert.equal(a.gradientNorm, 0);
  assert.equal(a.label, "minimum");
});

// Himmelblau: fxx = 12x² + 4y − 42, fxy = 4x + 4y, fyy = 4x + 12y² − 26
const himmelblauHessian = (x: number, y: number): [number, number, number] => [12 * x * x + 4 * y - 42, 4 * x + 4 * y, 4 * x + 12 * y * y - 26];

for (const [x, y, kind] of [
  [3, 2, "minimum"],
  [-2.805118, 3.131312, "minimum"],
  [-3.77931, -3.283186, "minimum"],
  [3.584428, -1.848126, "minimum"],
  [-0.270845, -0.923039, "maximum"],
] as const) {
  test(`himmelblau at (${x}, ${y}), given to six decimals, is a ${kind}`, () => {
    const a = analyzePoint(at("himmelblau", x, y));
    const [hxx, hxy, hyy] = himmelblauHessian(x, y);
    close(a.hessian[0][0], hxx, 1e-12, "fxx");
    close(a.hessian[0][1], hxy, 1e-12, "fxy");
    close(a.hessian[1][1], hyy, 1e-12, "fyy");
    const [l1, l2] = eig2(hxx, hxy, hyy);
    close(a.eigenvalues[0], l1, 1e-12, "λ₁");
    close(a.eigenvalues[1], l2, 1e-12, "λ₂");
    // (3, 2) is exact; six decimals leave ‖∇f‖ ~ 1e-5: within the lab's tolerance, above an absolute 1e-6
    if (x === 3) assert.equal(a.gradientNorm, 0);
    else assert.ok(a.gradientNorm > 1e-6 && a.gradientNorm <= a.gradientTolerance, `‖∇f‖ ${a.gradientNorm}, tol ${a.gradientTolerance}`);
    assert.equal(a.label, kind);
  });
}

test("the monkey saddle x³ − 3xy² at (0, 0) is degenerate (H = 0); at (0.5, 0.5) not critical with saddle-like curvature ±6r", () => {
  const origin = analyzePoint(at("monkey-saddle", 0, 0));
  assert.deepEqual(origin.eigenvalues, [0, 0]);
  assert.equal(origin.label, "degenerate");
  // a hair away, H ≈ 6e-9·diag(1, −1): zero to the lab's resolution, still degenerate
  assert.equal(analyzePoint(at("monkey-saddle", 1e-9, 0)).label, "degenerate");
  const off = analyzePoint(at("monkey-saddle", 0.5, 0.5));
  // H = [[6x, −6y], [−6y, −6x]] has eigenvalues ±6·√(x² + y²)
  close(off.eigenvalues[0], 6 * Math.SQRT1_2, 1e-12, "λ₁");
  close(off.eigenvalues[1], -6 * Math.SQRT1_2, 1e-12, "λ₂");
  close(off.gradientNorm, Math.hypot(3 * 0.25 - 3 * 0.25, 6 * 0.25), 1e-12, "‖∇f‖");
  assert.equal(off.label, "not critical");
  assert.equal(off.curvature, "saddle");
});

test("booth's minimum (1, 3): H = [[10, 8], [8, 10]], eigenvalues 18 and 2, eigenvectors (1, 1)/√2 and (1, −1)/√2", () => {
  const a = analyzePoint(at("booth", 1, 3));
  assert.equal(a.value, 0);
  close(a.eigenvalues[0], 18, 1e-13, "λ₁");
  close(a.eigenvalues[1], 2, 1e-13, "λ₂");
  close(Math.abs(a.eigenvectors[0][0] + a.eigenvectors[0][1]) / Math.SQRT2, 1, 1e-12, "v₁ ∥ (1, 1)");
  close(Math.abs(a.eigenvectors[1][0] - a.eigenvectors[1][1]) / Math.SQRT2, 1, 1e-12, "v₂ ∥ (1, −1)");
  assert.equal(a.label, "minimum");
});

test("six-hump camel at (0, 0) is a saddle (H = [[8, 1], [1, −8]]); beale's (3, 0.5) is a minimum", () => {
  const camel = analyzePoint(at("six-hump-camel", 0, 0));
  assert.deepEqual(camel.hessian, [[8, 1], [1, -8]]);
  assert.equal(camel.label, "saddle");
  close(camel.eigenvalues[0], Math.sqrt(65), 1e-13, "λ₁");
  assert.equal(analyzePoint(at("beale", 3, 0.5)).label, "minimum");
});

test("the quadratic's Hessian is QΛQᵀ of its sliders, with eigenvalues the sliders and v₁ = ±(cos θ, sin θ)", () => {
  for (const q of [{ lambda1: 3, lambda2: -1.5, angleDeg: 30 }, { lambda1: -2, lambda2: 0.7, angleDeg: -65 }]) {
    const a = analyzePoint({ fn: "quadratic", quadratic: q, x: 0.3, y: -0.4 });
    const t = (q.angleDeg * Math.PI) / 180;
    const [c, s] = [Math.cos(t), Math.sin(t)];
    // QΛQᵀ by explicit matrix products, Q = [[c, −s], [s, c]]
    const h = [
      [c * c * q.lambda1 + s * s * q.lambda2, c * s * q.lambda1 - s * c * q.lambda2],
      [s * c * q.lambda1 - c * s * q.lambda2, s * s * q.lambda1 + c * c * q.lambda2],
    ];
    for (const i of [0, 1]) for (const j of [0, 1]) close(a.hessian[i]![j]!, h[i]![j]!, 1e-13, `H[${i}][${j}]`);
    const sorted = [q.lambda1, q.lambda2].sort((u, v) => v - u);
    close(a.eigenvalues[0], sorted[0]!, 1e-12, "λ₁");
    close(a.eigenvalues[1], sorted[1]!, 1e-12, "λ₂");
    const v = a.eigenvectors[q.lambda1 >= q.lambda2 ? 0 : 1];
    close(Math.abs(v[0] * c + v[1] * s), 1, 1e-12, "eigenvector of λ₁ along (cos θ, sin θ)");
    assert.equal(a.label, "not critical");
    assert.equal(a.curvature, "saddle");
    assert.deepEqual(quadraticHessian(q), { a: a.hessian[0][0], b: a.hessian[0][1], c: a.hessian[1][1] });
  }
});

test("every function's ∇f and ∇²f match central differences in float64 at seeded points (seed 14)", () => {
  let seed = 14;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (const name of FUNCTION_NAMES) {
    const fn = labFunction(name);
    const f = (x: number, y: number): number => scalarForm(fn)(tensor([x, y])).item();
    for (let trial = 0; trial < 3; trial++) {
      const x = fn.box.x[0] + rand() * (fn.box.x[1] - fn.box.x[0]);
      const y = fn.box.y[0] + rand() * (fn.box.y[1] - fn.box.y[0]);
      const a = analyzePoint(at(name, x, y));
      const h = 1e-5;
      const gx = (f(x + h, y) - f(x - h, y)) / (2 * h);
      const gy = (f(x, y + h) - f(x, y - h)) / (2 * h);
      const scale = Math.max(1, Math.abs(a.value));
      assert.ok(Math.abs(a.gradient[0] - gx) <= 1e-6 * scale && Math.abs(a.gradient[1] - gy) <= 1e-6 * scale, `${name} ∇f at (${x}, ${y})`);
      // second differences of the exact gradient: ∂∇f/∂x and ∂∇f/∂y
      const g = (u: number, v: number): readonly [number, number] => analyzePoint(at(name, u, v)).gradient;
      const hx = [(g(x + h, y)[0] - g(x - h, y)[0]) / (2 * h), (g(x + h, y)[1] - g(x - h, y)[1]) / (2 * h)];
      const hy = [(g(x, y + h)[0] - g(x, y - h)[0]) / (2 * h), (g(x, y + h)[1] - g(x, y - h)[1]) / (2 * h)];
      const hs = Math.max(1, ...a.hessian.flat().map(Math.abs));
      const fd = [hx, hy];
      for (const i of [0, 1]) for (const j of [0, 1]) assert.ok(Math.abs(a.hessian[i]![j]! - fd[j]![i]!) <= 1e-6 * hs, `${name} H[${i}][${j}] ${a.hessian[i]![j]} vs ${fd[j]![i]}`);
    }
  }
});
