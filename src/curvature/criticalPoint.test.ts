/** @file the critical-point test's gradient tolerance: relative to the curvature's scale, so rescaling L does not change the verdict, and settable */
import assert from "node:assert/strict";
import { test } from "node:test";
import { classifyCriticalPoint } from "./criticalPoint.js";

test("‖∇L‖ is judged against tol·max|λ|: the same gradient is critical under strong curvature, not under weak", () => {
  const g = 1e-5;
  const stiff = classifyCriticalPoint({ lambdaMin: 1, lambdaMax: 100, gradientNorm: g });
  const soft = classifyCriticalPoint({ lambdaMin: 0.5, lambdaMax: 1, gradientNorm: g });
  // the distance to the critical point along the stiffest direction is ‖g‖/λmax: 1e-7 vs 1e-5
  assert.equal(stiff.critical, true, stiff.explanation);
  assert.equal(soft.critical, false, soft.explanation);
  assert.equal(stiff.gradientThreshold, 1e-6 * 100);
});

test("scaling L by c scales ∇L and every λ by c and leaves the verdict alone", () => {
  for (const c of [1e-4, 1, 1e3, 1e6]) {
    const near = classifyCriticalPoint({ lambdaMin: c * 1, lambdaMax: c * 2, gradientNorm: c * 1.5e-6 });
    const far = classifyCriticalPoint({ lambdaMin: c * 1, lambdaMax: c * 2, gradientNorm: c * 3e-6 });
    assert.equal(near.critical, true, `c = ${c}: ${near.explanation}`);
    assert.equal(far.critical, false, `c = ${c}: ${far.explanation}`);
  }
});

test("the tolerance is settable, and an all-zero spectrum accepts only a zero gradient", () => {
  const input = { lambdaMin: 1, lambdaMax: 2, gradientNorm: 1e-8 };
  assert.equal(classifyCriticalPoint(input).critical, true);
  assert.equal(classifyCriticalPoint(input, { gradientTolerance: 1e-9 }).critical, false);
  assert.equal(classifyCriticalPoint({ lambdaMin: 0, lambdaMax: 0, gradientNorm: 1e-300 }).critical, false);
  assert.equal(classifyCriticalPoint({ lambdaMin: 0, lambdaMax: 0, gradientNorm: 0 }).critical, true);
});
