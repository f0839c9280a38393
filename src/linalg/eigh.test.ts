import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../kernels/random.js";
import { eigh, eighTridiagonal, tridiagonalRitz } from "./eigh.js";
import { poisson1d, randSymmetric, withSpectrum } from "./gallery.js";

const EPS = Number.EPSILON;

/** max |(AQ − QΛ)_ij| and max |(QᵀQ − I)_ij|, by plain triple loops. */
function defects(a: Float64Array, n: number, values: Float64Array, q: Float64Array): { residual: number; orthogonality: number } {
  let residual = 0;
  let orthogonality = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let aq = 0;
      let qq = 0;
      for (let k = 0; k < n; k++) {
        aq += a[i * n + k]! * q[k * n + j]!;
        qq += q[k * n + i]! * q[k * n + j]!;
      }
      residual = Math.max(residual, Math.abs(aq - q[i * n + j]! * values[j]!));
      orthogonality = Math.max(orthogonality, Math.abs(qq - (i === j ? 1 : 0)));
    }
  }
  return { residual, orthogonality };
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** Backward-stable means defects ~ c·n·ε·‖A‖; we allow c·n with c = 4 (observed c < 1). */
function assertMachinePrecision(a: Float64Array, n: number, label: string): Float64Array {
  const { values, vectors } = eigh(a, n);
  for (let j = 1; j < n; j++) assert.ok(values[j]! >= values[j - 1]!, `${label}: values not ascending at ${j}`);
  const { residual, orthogonality } = defects(a, n, values, vectors);
  const scale = Math.max(maxAbs(a), Number.MIN_VALUE) * n;
  assert.ok(residual <= 4 * EPS * scale, `${label}: ‖AQ − QΛ‖max = ${residual}, bound ${4 * EPS * scale}`);
  assert.ok(orthogonality <= 4 * EPS * n, `${label}: ‖QᵀQ − I‖max = ${orthogonality}`);
  return values;
}

describe("eigh: AQ = QΛ and QᵀQ = I at machine precision", () => {
  for (const [n, seed] of [[1, 1], [2, 2], [3, 3], [10, 4], [50, 5], [200, 6]] as const) {
    test(`random symmetric n=${n} seed=${seed}`, () => {
      const a = randSymmetric(n, seed);
      const values = assertMachinePrecision(a, n, `n=${n}`);
      // Trace and Frobenius norm are invariants: Σλ = tr A, Σλ² = ‖A‖²_F.
      let tr = 0;
      let fro = 0;
      for (let i = 0; i < n; i++) tr += a[i * n + i]!;
      for (const x of a) fro += x * x;
      const sumL = values.reduce((s, x) => s + x, 0);
      const sumL2 = values.reduce((s, x) => s + x * x, 0);
      assert.ok(Math.abs(sumL - tr) <= 1e-12 * n * maxAbs(a), `trace ${sumL} vs ${tr}`);
      assert.ok(Math.abs(sumL2 - fro) <= 1e-12 * fro, `Frobenius ${sumL2} vs ${fro}`);
    });
  }

  test("known spectrum with repeated eigenvalues (seed 7)", () => {
    const spectrum = [-3, -3, -3, 0, 0, 1, 2, 2, 2, 2, 5, 5];
    const n = spectrum.length;
    const values = assertMachinePrecision(withSpectrum(spectrum, 7), n, "repeated");
    spectrum.forEach((x, i) => assert.ok(Math.abs(values[i]! - x) <= 1e-13 * 5 * n, `λ${i} = ${values[i]} vs ${x}`));
  });

  test("diagonal, zero and already-tridiagonal matrices", () => {
    const n = 9;
    const d = new Float64Array(n * n);
    const diag = [4, -1, 0, 7, 7, -2, 3, 0.5, 1e-3];
    diag.forEach((x, i) => (d[i * n + i] = x));
    const values = assertMachinePrecision(d, n, "diagonal");
    assert.deepEqual(Array.from(values), [...diag].sort((x, y) => x - y));
    assert.deepEqual(Array.from(eigh(new Float64Array(16), 4).values), [0, 0, 0, 0]);
    const m = 40;
    const p = assertMachinePrecision(poisson1d(m), m, "poisson1d");
    p.forEach((x, j) => {
      const exact = 2 - 2 * Math.cos(((j + 1) * Math.PI) / (m + 1));
      assert.ok(Math.abs(x - exact) <= 1e-13, `poisson λ${j} = ${x} vs ${exact}`);
    });
  });

  test("graded and tiny-scaled matrices keep their relative accuracy", () => {
    const n = 30;
    const a = randSymmetric(n, 8).map((x) => x * 1e-200);
    assertMachinePrecision(a, n, "scaled 1e-200");
    const b = randSymmetric(n, 9).map((x) => x * 1e200);
    assertMachinePrecision(b, n, "scaled 1e200");
  });

  test("rejects non-square, non-symmetric and NaN input", () => {
    assert.throws(() => eigh(new Float64Array(6), 2), /square 2×2/);
    const a = randSymmetric(3, 10);
    a[1] = NaN;
    assert.throws(() => eigh(a, 3), /NaN/);
    const b = randSymmetric(3, 11);
    b[1] = b[1]! + 1;
    assert.throws(() => eigh(b, 3), /not symmetric/);
  });
});

describe("tridiagonal eigensolvers", () => {
  test("eighTridiagonal and tridiagonalRitz agree with dense eigh (seed 12)", () => {
    const n = 60;
    const rng = new Rng(12);
    const alpha = Float64Array.from({ length: n }, () => rng.normal());
    const beta = Float64Array.from({ length: n - 1 }, () => rng.normal());
    const dense = new Float64Array(n * n);
    for (let i = 0; i < n; i++) dense[i * n + i] = alpha[i]!;
    for (let i = 0; i + 1 < n; i++) {
      dense[i * n + i + 1] = beta[i]!;
      dense[(i + 1) * n + i] = beta[i]!;
    }
    const full = eighTridiagonal(alpha, beta);
    const { residual, orthogonality } = defects(dense, n, full.values, full.vectors);
    assert.ok(residual <= 4 * EPS * n * maxAbs(dense), `residual ${residual}`);
    assert.ok(orthogonality <= 4 * EPS * n, `orthogonality ${orthogonality}`);
    const ritz = tridiagonalRitz(alpha, beta);
    const reference = eigh(dense, n);
    for (let j = 0; j < n; j++) {
      assert.ok(Math.abs(ritz.values[j]! - reference.values[j]!) <= 1e-13 * n, `λ${j}`);
      // Eigenvectors are defined up to sign; compare |first| and |last| entries.
      assert.ok(Math.abs(Math.abs(ritz.first[j]!) - Math.abs(full.vectors[j]!)) <= 1e-12, `first ${j}`);
      assert.ok(Math.abs(Math.abs(ritz.last[j]!) - Math.abs(full.vectors[(n - 1) * n + j]!)) <= 1e-12, `last ${j}`);
    }
    // Gauss weights (first components squared) sum to 1.
    assert.ok(Math.abs(ritz.first.reduce((s, x) => s + x * x, 0) - 1) <= 1e-13);
  });
});
