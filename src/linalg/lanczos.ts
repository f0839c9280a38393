/** @file k extreme eigenpairs of a symmetric operator: thick-restart Lanczos with full reorthogonalization */
import { Rng } from "../kernels/random.js";
import { eigh, type EighResult } from "./eigh.js";
import { requireSymmetric, type LinearOperator } from "./linearOperator.js";
import { axpy, norm, orthogonalize, randomVector, scaleInPlace } from "./vector.js";

/** Which end of the spectrum Lanczos targets. */
export type EigenTarget = "largest" | "smallest" | "magnitude";

/** Options of lanczos. */
export interface LanczosOptions {
  /** How many eigenpairs. */
  readonly k: number;
  /** "largest" (algebraic, descending), "smallest" (algebraic, ascending) or "magnitude" (|λ| descending). */
  readonly which: EigenTarget;
  /** Most operator products spent on Krylov expansion (residual checks come on top). Default max(20·basisSize, 200), at most 10n. */
  readonly maxIter?: number;
  /** Largest Krylov basis kept in memory before a thick restart. Default min(n, max(2k + 20, 40)). */
  readonly basisSize?: number;
  /** Converged when every wanted ‖Aq − λq‖ ≤ tol·‖A‖ (‖A‖ estimated by the largest |Ritz value|). Default 1e-10. */
  readonly tol?: number;
  /** Seed or generator for the start vector. Default 0. */
  readonly seed?: number | Rng;
  /** Start vector (normalized here); overrides the random one. */
  readonly startVector?: Float64Array;
}

/** Ritz pairs with their residuals and the cost of finding them. */
export interface LanczosResult {
  /** Eigenvalue estimates in the order of `which`. */
  readonly values: Float64Array;
  /** Unit Ritz vectors, one per value. */
  readonly vectors: Float64Array[];
  /** True residuals ‖Aq − λq‖, each from one extra product (not the Ritz estimate β|s_m|). */
  readonly residuals: number[];
  /** Expansion products (Lanczos steps). */
  readonly iterations: number;
  /** All operator products, residual checks included. */
  readonly products: number;
  /** Restarts performed. */
  readonly restarts: number;
  /** Whether every residual is within tol·‖A‖ (or the Krylov space was exhausted, which is exact). */
  readonly converged: boolean;
}

function lanczosSizes(n: number, options: Pick<LanczosOptions, "k" | "basisSize" | "maxIter">): { m: number; maxIter: number } {
  const { k } = options;
  const m = Math.min(n, Math.max(options.basisSize ?? Math.max(2 * k + 20, 40), k + 2));
  return { m, maxIter: options.maxIter ?? Math.min(10 * n, Math.max(20 * m, 200)) };
}

/**
 * The most operator products one lanczos run with these options can take on an n×n operator
 * (its expansion limit plus one product per returned pair for the true residual): a total for
 * progress output, which a run usually stops well short of.
 */
export function lanczosProductLimit(n: number, options: Pick<LanczosOptions, "k" | "basisSize" | "maxIter">): number {
  return lanczosSizes(n, options).maxIter + options.k;
}

/**
 * The k wanted eigenpairs of a symmetric operator by Lanczos (Lanczos 1950) with full
 * reorthogonalization — Gram–Schmidt twice against the whole basis, so no ghost eigenvalues
 * (Parlett (1998) §13) — and thick restarting (Wu & Simon (2000)): when the basis is full the
 * best Ritz vectors are kept and the projected matrix becomes an arrowhead, diagonalized densely by
 * eigh. The projected matrix is assembled from the Gram–Schmidt coefficients, i.e. T = VᵀAV.
 * An invariant subspace (β = 0) continues with a fresh random direction orthogonal to the basis, so
 * eigenvalues the start vector missed are still found; when the basis spans the space the answer
 * is exact. Like every single-vector Krylov method it can report a repeated eigenvalue fewer times
 * than its multiplicity when no breakdown reveals the extra copies (block Lanczos would be needed).
 */
export function lanczos(op: LinearOperator, options: LanczosOptions): LanczosResult {
  const n = requireSymmetric("lanczos", op);
  const { k, which } = options;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`lanczos: k must be an integer in [1, ${n}], got ${k}`);
  const { m, maxIter } = lanczosSizes(n, options);
  const tol = options.tol ?? 1e-10;
  const rng = options.seed instanceof Rng ? options.seed : new Rng(options.seed ?? 0);
  let products = 0;
  const apply = (v: Float64Array): Float64Array => {
    products++;
    return op.matvec(v);
  };

  const basis: Float64Array[] = [];
  // The projected matrix VᵀAV, m×m row-major; the leading `size`×`size` block is live.
  const t = new Float64Array(m * m);
  let next = options.startVector === undefined ? randomVector(rng, n) : Float64Array.from(options.startVector);
  if (next.length !== n) throw new RangeError(`lanczos: start vector has length ${next.length}, operator is ${n}×${n}`);
  if (!normalizeOrReplace(next, basis, rng)) throw new Error("lanczos: could not build a start vector");
  let iterations = 0;
  let restarts = 0;
  let lastAtBreakdown: number[] | null = null;
  let exhausted = false;
  let ritz: EighResult = { values: new Float64Array(0), vectors: new Float64Array(0) };
  let wanted: number[] = [];
  let anorm = 0;
  for (;;) {
    const j = basis.length;
    basis.push(next);
    const w = apply(next);
    iterations++;
    const h = orthogonalize(w, basis);
    for (let i = 0; i <= j; i++) {
      t[i * m + j] = h[i]!;
      t[j * m + i] = h[i]!;
    }
    const beta = norm(w);
    const size = j + 1;
    ritz = eigh(leading(t, m, size), size);
    for (const value of ritz.values) anorm = Math.max(anorm, Math.abs(value));
    wanted = pick(ritz.values, which, Math.min(k, size));
    // β below rounding level of ‖A‖ means AV ⊂ span V: an invariant subspace (Lanczos breakdown).
    const breakdown = beta <= 1e-12 * Math.max(anorm, Number.MIN_VALUE);
    exhausted = size === n;
    let estimatesOk: boolean;
    if (breakdown) {
      // The Ritz pairs are now exact, but the start vector may have missed eigenvalues (or further
      // copies of a repeated one: each Krylov block holds one vector per distinct eigenvalue). So
      // the search continues in the orthogonal complement until a whole new block leaves the
      // wanted values unchanged.
      const current = wanted.map((col) => ritz.values[col]!);
      estimatesOk =
        wanted.length === k &&
        lastAtBreakdown !== null &&
        current.every((x, i) => Math.abs(x - lastAtBreakdown![i]!) <= tol * anorm);
      lastAtBreakdown = wanted.length === k ? current : null;
    } else {
      estimatesOk = wanted.length === k && wanted.every((col) => Math.abs(beta * ritz.vectors[(size - 1) * size + col]!) <= tol * anorm);
    }
    if (exhausted || estimatesOk || iterations >= maxIter) break;
    if (breakdown) {
      next = randomVector(rng, n);
      if (!normalizeOrReplace(next, basis, rng)) {
        exhausted = true;
        break;
      }
      // T stays block diagonal: the new vector is not coupled to the old block.
    } else {
      next = scaleInPlace(1 / beta, w);
    }
    if (basis.length === m) {
      restarts++;
      const keep = Math.min(m - 1, k + Math.floor((m - k) / 2));
      const order = pick(ritz.values, which, keep);
      const kept = order.map((col) => combine(basis, ritz.vectors, size, col, n));
      t.fill(0);
      order.forEach((col, i) => (t[i * m + i] = ritz.values[col]!));
      basis.length = 0;
      basis.push(...kept);
      // The next vector is already orthogonal to span V ⊇ the kept Ritz vectors; its couplings
      // (the arrowhead row β·s_{m,i}) are recomputed as Gram–Schmidt coefficients on the next step.
    }
  }
  const size = basis.length;
  const values = new Float64Array(wanted.length);
  const vectors: Float64Array[] = [];
  const residuals: number[] = [];
  wanted.forEach((col, i) => {
    const theta = ritz.values[col]!;
    const q = combine(basis, ritz.vectors, size, col, n);
    scaleInPlace(1 / norm(q), q);
    const r = apply(q);
    axpy(-theta, q, r);
    values[i] = theta;
    vectors.push(q);
    residuals.push(norm(r));
  });
  // The true residual gets a little slack over tol: rounding in VS adds ~ε‖A‖·√size to it.
  const converged = exhausted || residuals.every((r) => r <= Math.max(tol, 1e-13 * Math.sqrt(size)) * anorm * 10);
  return { values, vectors, residuals, iterations, products, restarts, converged };
}

/** The leading size×size block of the m×m row-major t, as its own array. */
function leading(t: Float64Array, m: number, size: number): Float64Array {
  const out = new Float64Array(size * size);
  for (let i = 0; i < size; i++) out.set(t.subarray(i * m, i * m + size), i * size);
  return out;
}

/** Column indices of the `count` wanted Ritz values (values ascending), in the order of `which`. */
function pick(values: Float64Array, which: EigenTarget, count: number): number[] {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  if (which === "largest") idx.reverse();
  else if (which === "magnitude") idx.sort((a, b) => Math.abs(values[b]!) - Math.abs(values[a]!));
  return idx.slice(0, count);
}

/** The Ritz vector V·s for column col of the size×size row-major eigenvector matrix s. */
function combine(basis: readonly Float64Array[], s: Float64Array, size: number, col: number, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let r = 0; r < basis.length; r++) axpy(s[r * size + col]!, basis[r]!, y);
  return y;
}

/**
 * Orthogonalizes v against the basis and normalizes it; if it falls inside span(basis), tries a few
 * fresh random vectors. False when none escapes (the basis spans the space).
 */
function normalizeOrReplace(v: Float64Array, basis: readonly Float64Array[], rng: Rng): boolean {
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = norm(v);
    orthogonalize(v, basis);
    const after = norm(v);
    if (after > 1e-8 * before && after > 0) {
      scaleInPlace(1 / after, v);
      return true;
    }
    v.set(randomVector(rng, v.length));
  }
  return false;
}
