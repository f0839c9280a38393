/** @file the LinearOperator contract (scipy's LinearOperator, curvlinops) and its algebra */
import { axpy, norm } from "./vector.js";

/**
 * A linear map known only through its product v ↦ Av. Solvers (cg, lanczos, hutchinson) see only
 * this, so a Hessian that is never formed and a small dense test matrix are interchangeable.
 */
export interface LinearOperator {
  /** [rows, columns]. */
  readonly shape: readonly [number, number];
  /** Whether A = Aᵀ; Lanczos, CG and MINRES require it. */
  readonly symmetric: boolean;
  /** The product Av as a new vector; v is not modified. */
  matvec(v: Float64Array): Float64Array;
}

/** Options of fromDense. */
export interface FromDenseOptions {
  /** Declares symmetry; checked to a relative 1e-12. Left out, symmetry is detected exactly. */
  readonly symmetric?: boolean;
}

function describe(shape: readonly [number, number]): string {
  return `[${shape[0]}, ${shape[1]}]`;
}

/** Throws unless v fits the operator's columns; used by every matvec so errors name the shapes. */
export function checkOperand(name: string, shape: readonly [number, number], v: Float64Array): void {
  if (v.length !== shape[1]) {
    throw new RangeError(`${name}: operator of shape ${describe(shape)} applied to a vector of length ${v.length}`);
  }
}

/** A row-major n×n dense matrix as an operator (the data is used, not copied; float32 data is read as it is, products are float64). */
export function fromDense(a: Float64Array | Float32Array, n: number, options: FromDenseOptions = {}): LinearOperator {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`fromDense: n must be a non-negative integer, got ${n}`);
  if (a.length !== n * n) throw new RangeError(`fromDense: expected ${n}×${n} = ${n * n} entries, got ${a.length}`);
  let symmetric: boolean;
  if (options.symmetric === undefined) {
    symmetric = isSymmetric(a, n, 0);
  } else {
    symmetric = options.symmetric;
    let scale = 0;
    for (const x of a) scale = Math.max(scale, Math.abs(x));
    if (symmetric && !isSymmetric(a, n, 1e-12 * scale)) {
      throw new RangeError("fromDense: declared symmetric, but A differs from Aᵀ beyond 1e-12·max|a_ij|");
    }
  }
  const shape = [n, n] as const;
  return {
    shape,
    symmetric,
    matvec(v) {
      checkOperand("fromDense", shape, v);
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        const row = i * n;
        for (let j = 0; j < n; j++) s += a[row + j]! * v[j]!;
        y[i] = s;
      }
      return y;
    },
  };
}

function isSymmetric(a: Float64Array | Float32Array, n: number, tol: number): boolean {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) if (Math.abs(a[i * n + j]! - a[j * n + i]!) > tol) return false;
  }
  return true;
}

/** The n×n identity. */
export function identity(n: number): LinearOperator {
  const shape = [n, n] as const;
  return {
    shape,
    symmetric: true,
    matvec(v) {
      checkOperand("identity", shape, v);
      return Float64Array.from(v);
    },
  };
}

/** The diagonal matrix diag(d). */
export function fromDiagonal(d: Float64Array): LinearOperator {
  const n = d.length;
  const shape = [n, n] as const;
  return {
    shape,
    symmetric: true,
    matvec(v) {
      checkOperand("fromDiagonal", shape, v);
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) y[i] = d[i]! * v[i]!;
      return y;
    },
  };
}

/** A₁ + A₂ + …; all shapes must agree. Symmetric when every term is. */
export function sum(first: LinearOperator, ...rest: LinearOperator[]): LinearOperator {
  for (const op of rest) {
    if (op.shape[0] !== first.shape[0] || op.shape[1] !== first.shape[1]) {
      throw new RangeError(`sum: shapes ${describe(first.shape)} and ${describe(op.shape)} differ`);
    }
  }
  const terms = [first, ...rest];
  return {
    shape: first.shape,
    symmetric: terms.every((op) => op.symmetric),
    matvec(v) {
      const y = first.matvec(v);
      for (const op of rest) {
        const z = op.matvec(v);
        for (let i = 0; i < y.length; i++) y[i]! += z[i]!;
      }
      return y;
    },
  };
}

/** c·A. */
export function scale(op: LinearOperator, c: number): LinearOperator {
  return {
    shape: op.shape,
    symmetric: op.symmetric,
    matvec(v) {
      const y = op.matvec(v);
      for (let i = 0; i < y.length; i++) y[i]! *= c;
      return y;
    },
  };
}

/** A + λI (Tikhonov / Levenberg–Marquardt damping); A must be square. */
export function damped(op: LinearOperator, lambda: number): LinearOperator {
  if (op.shape[0] !== op.shape[1]) throw new RangeError(`damped: operator of shape ${describe(op.shape)} is not square`);
  return {
    shape: op.shape,
    symmetric: op.symmetric,
    matvec(v) {
      const y = op.matvec(v);
      for (let i = 0; i < y.length; i++) y[i]! += lambda * v[i]!;
      return y;
    },
  };
}

/**
 * The product A₁A₂⋯A_k, applied right to left (A_k first). Marked non-symmetric: a product of
 * symmetric factors is symmetric only when they commute, which cannot be checked here.
 */
export function compose(first: LinearOperator, ...rest: LinearOperator[]): LinearOperator {
  const factors = [first, ...rest];
  for (let i = 0; i + 1 < factors.length; i++) {
    const left = factors[i]!;
    const right = factors[i + 1]!;
    if (left.shape[1] !== right.shape[0]) {
      throw new RangeError(`compose: cannot multiply ${describe(left.shape)} by ${describe(right.shape)}`);
    }
  }
  const last = factors[factors.length - 1]!;
  return {
    shape: [first.shape[0], last.shape[1]] as const,
    symmetric: factors.length === 1 && first.symmetric,
    matvec(v) {
      let y = v;
      for (let i = factors.length - 1; i >= 0; i--) y = factors[i]!.matvec(y);
      return y === v ? Float64Array.from(v) : y;
    },
  };
}

/** The dense row-major matrix of op, from one product per unit vector (rows×cols products). */
export function toDense(op: LinearOperator): Float64Array {
  const [rows, cols] = op.shape;
  const out = new Float64Array(rows * cols);
  const e = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    e[j] = 1;
    const column = op.matvec(e);
    e[j] = 0;
    for (let i = 0; i < rows; i++) out[i * cols + j] = column[i]!;
  }
  return out;
}

/** An operator that counts its products, and the counter. */
export interface CountedOperator {
  /** The wrapped operator; every matvec through it is counted. */
  readonly operator: LinearOperator;
  /** Products so far. */
  count(): number;
  /** Sets the count back to zero. */
  reset(): void;
}

/**
 * Wraps op so its matvecs are counted (the honest cost measure of a curvature algorithm);
 * `onProduct`, if given, hears the running count after each product (progress reporting).
 */
export function countProducts(op: LinearOperator, onProduct?: (count: number) => void): CountedOperator {
  let products = 0;
  return {
    operator: {
      shape: op.shape,
      symmetric: op.symmetric,
      matvec(v) {
        const out = op.matvec(v);
        products++;
        onProduct?.(products);
        return out;
      },
    },
    count: () => products,
    reset: () => {
      products = 0;
    },
  };
}

/** Throws unless op is square and symmetric; `who` names the algorithm in the message. */
export function requireSymmetric(who: string, op: LinearOperator): number {
  const [rows, cols] = op.shape;
  if (rows !== cols) throw new RangeError(`${who}: operator of shape ${describe(op.shape)} is not square`);
  if (!op.symmetric) throw new RangeError(`${who}: operator must be symmetric`);
  return rows;
}

/** Where a symmetric solver of A·x = b starts (cg, minres). */
export interface SolveStart {
  readonly n: number;
  /** x₀: a copy of the caller's x0, else zeros. */
  readonly x: Float64Array;
  /** r₀ = b − A·x₀ (no product when x₀ = 0). */
  readonly r: Float64Array;
  readonly bnorm: number;
}

/** Checks that A is symmetric and b and x0 fit it, and forms x₀, r₀ and ‖b‖. */
export function solveStart(who: string, op: LinearOperator, b: Float64Array, x0: Float64Array | undefined): SolveStart {
  const n = requireSymmetric(who, op);
  if (b.length !== n) throw new RangeError(`${who}: right-hand side has length ${b.length}, operator is ${n}×${n}`);
  const x = x0 === undefined ? new Float64Array(n) : Float64Array.from(x0);
  if (x.length !== n) throw new RangeError(`${who}: x0 has length ${x.length}, operator is ${n}×${n}`);
  const r = Float64Array.from(b);
  if (x0 !== undefined) axpy(-1, op.matvec(x), r);
  return { n, x, r, bnorm: norm(b) };
}
