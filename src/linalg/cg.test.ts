import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../kernels/random.js";
import { cg } from "./cg.js";
import { indefiniteDiag, nearlySingular, poisson1d, randSpd, withSpectrum } from "./gallery.js";
import { fromDense, type LinearOperator } from "./linearOperator.js";
import { minres } from "./minres.js";
import { norm } from "./vector.js";

interface Case {
  readonly name: string;
  readonly n: number;
  readonly a: Float64Array;
  readonly definite: boolean;
  /** Relative residual each solver must reach (looser where the condition number makes it so). */
  readonly tol: number;
}

const cases: readonly Case[] = [
  { name: "poisson1d(100)", n: 100, a: poisson1d(100), definite: true, tol: 1e-10 },
  { name: "randSpd(80, seed 1, κ=1e4)", n: 80, a: randSpd(80, 1, 1e4), definite: true, tol: 1e-10 },
  // Scaled rows/columns: an SPD matrix whose diagonal spans 1e-2…1e2, where Jacobi should pay off.
  { name: "badlyScaledSpd(60, seed 2)", n: 60, a: badlyScaled(randSpd(60, 2, 10), 60, 2), definite: true, tol: 1e-10 },
  { name: "indefiniteDiag(50)", n: 50, a: indefiniteDiag(50), definite: false, tol: 1e-10 },
  { name: "indefinite withSpectrum(70, seed 3)", n: 70, a: withSpectrum(spread(70, -3, 5), 3), definite: false, tol: 1e-10 },
  // κ = 1e9: b has an O(1) component on the 1e-8 eigenvector, so x is huge; 1e-8 is what the
  // recurrence residual can honestly promise against ε·κ rounding.
  { name: "nearlySingular(60, seed 4)", n: 60, a: nearlySingular(60, 4), definite: true, tol: 1e-8 },
];

function spread(n: number, lo: number, hi: number): number[] {
  return Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}

function badlyScaled(a: Float64Array, n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const d = Float64Array.from({ length: n }, () => 10 ** (2 * rng.uniform() - 1));
  return a.map((x, idx) => x * d[Math.floor(idx / n)]! * d[idx % n]!);
}

function rhs(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => rng.normal());
}

/** ‖b − Ax‖ / ‖b‖ from a fresh product: the test never trusts a solver's own residual. */
function trueRelativeResidual(op: LinearOperator, x: Float64Array, b: Float64Array): number {
  const r = op.matvec(x).map((y, i) => b[i]! - y);
  return norm(r) / norm(b);
}

function jacobi(a: Float64Array, n: number): (r: Float64Array) => Float64Array {
  return (r) => r.map((x, i) => x / a[i * n + i]!);
}

describe("solver table: named matrices × solvers", () => {
  for (const c of cases) {
    const op = fromDense(c.a, c.n, { symmetric: true });
    const b = rhs(c.n, c.n);
    if (c.definite) {
      test(`cg on ${c.name}`, () => {
        const result = cg(op, b, { tol: c.tol, maxIter: 20 * c.n });
        assert.equal(result.stop, "converged");
        assert.ok(result.curvature > 0);
        assert.ok(trueRelativeResidual(op, result.x, b) <= 10 * c.tol, `true residual ${trueRelativeResidual(op, result.x, b)}`);
      });
      test(`pcg (Jacobi) on ${c.name}`, () => {
        const plain = cg(op, b, { tol: c.tol, maxIter: 20 * c.n });
        const result = cg(op, b, { tol: c.tol, maxIter: 20 * c.n, preconditioner: jacobi(c.a, c.n) });
        assert.equal(result.stop, "converged");
        assert.ok(trueRelativeResidual(op, result.x, b) <= 10 * c.tol);
        if (c.name.startsWith("badlyScaled")) {
          assert.ok(result.iterations < plain.iterations / 2, `pcg ${result.iterations} vs cg ${plain.iterations} iterations`);
        }
      });
    } else {
      test(`cg on ${c.name} stops with negativeCurvature`, () => {
        const result = cg(op, b, { tol: c.tol, maxIter: 20 * c.n });
        assert.equal(result.stop, "negativeCurvature");
        assert.ok(result.curvature <= 0);
        const p = result.direction!;
        const pAp = p.reduce((s, x, i) => s + x * op.matvec(p)[i]!, 0);
        assert.ok(pAp <= 0, `the returned direction has pᵀAp = ${pAp}`);
      });
    }
    test(`minres on ${c.name}`, () => {
      const result = minres(op, b, { tol: c.tol, maxIter: 20 * c.n });
      assert.equal(result.stop, "converged");
      const r = trueRelativeResidual(op, result.x, b);
      assert.ok(r <= 10 * c.tol, `true residual ${r}`);
      // The recurrence residual tracks the true one.
      assert.ok(Math.abs(result.residualNorm / norm(b) - r) <= 10 * c.tol);
    });
  }
});

describe("cg details", () => {
  const n = 40;
  const a = randSpd(n, 5, 50);
  const op = fromDense(a, n);
  const b = rhs(n, 6);

  test("x0, onIteration and the quadratic model decrease monotonically", () => {
    const seen: number[] = [];
    const result = cg(op, b, { x0: b, onIteration: (s) => seen.push(s.quadratic) });
    assert.equal(result.stop, "converged");
    assert.equal(seen.length, result.iterations);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! <= seen[i - 1]! + 1e-12, `q rose at step ${i}`);
    assert.ok(trueRelativeResidual(op, result.x, b) <= 1e-9);
  });

  test("stopRule and maxIter stop early with their own reasons", () => {
    assert.equal(cg(op, b, { stopRule: (s) => s.iteration === 3 }).stop, "stopRule");
    const capped = cg(op, b, { maxIter: 2 });
    assert.equal(capped.stop, "maxIter");
    assert.equal(capped.iterations, 2);
  });

  test("b = 0 converges at once and a singular incompatible system breaks down in minres", () => {
    assert.equal(cg(op, new Float64Array(n)).iterations, 0);
    const singular = fromDense(Float64Array.from([1, 0, 0, 0, 0, 0, 0, 0, 0]), 3);
    const result = minres(singular, Float64Array.from([1, 1, 0]));
    assert.equal(result.stop, "breakdown");
    assert.ok(Math.abs(result.x[0]! - 1) <= 1e-14, "least-squares solution in the Krylov space");
    assert.ok(Math.abs(result.residualNorm - 1) <= 1e-14);
  });
});
