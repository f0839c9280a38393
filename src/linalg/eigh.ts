/** @file dense symmetric eigendecomposition A = QΛQᵀ: Householder tridiagonalization + implicit QR */

/** Eigenvalues in ascending order and the matching orthonormal eigenvectors. */
export interface EighResult {
  /** λ₁ ≤ λ₂ ≤ … ≤ λₙ. */
  readonly values: Float64Array;
  /** Row-major n×n Q; column j (entries j, n+j, 2n+j, …) is the eigenvector of values[j]. */
  readonly vectors: Float64Array;
}

/** Eigenvalues of a symmetric tridiagonal matrix with the first and last entries of each eigenvector. */
export interface TridiagonalRitz {
  /** Ascending eigenvalues θ_j. */
  readonly values: Float64Array;
  /** first[j] = e₁ᵀs_j (Gauss quadrature weights are its squares: Golub & Welsch 1969). */
  readonly first: Float64Array;
  /** last[j] = eₙᵀs_j (Lanczos residual estimates are β·|last[j]|). */
  readonly last: Float64Array;
}

const EPS = Number.EPSILON;

/**
 * Eigendecomposition of a dense symmetric row-major n×n matrix. Householder reduction to
 * tridiagonal form (Golub & Van Loan (2013) Alg. 8.3.1), backward accumulation of Q (§5.1.6), then
 * implicit symmetric QR steps with Wilkinson shifts (Alg. 8.3.2/8.3.3). Only the lower and upper
 * triangles together are read; A must be symmetric to 1e-10 relative.
 */
export function eigh(a: Float64Array, n: number): EighResult {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`eigh: n must be a non-negative integer, got ${n}`);
  if (a.length !== n * n) {
    throw new RangeError(`eigh: expected a square ${n}×${n} matrix (${n * n} entries), got ${a.length} entries`);
  }
  let amax = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (!Number.isFinite(x)) throw new RangeError(`eigh: entry ${i} (row ${Math.floor(i / n)}) is ${x}`);
    amax = Math.max(amax, Math.abs(x));
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (Math.abs(a[i * n + j]! - a[j * n + i]!) > 1e-10 * amax) {
        throw new RangeError(`eigh: matrix is not symmetric (entries (${i},${j}) and (${j},${i}) differ)`);
      }
    }
  }
  if (n === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) };
  // Scale to max |a_ij| = 1 so squares in the Householder norms neither overflow nor underflow.
  const s = amax === 0 ? 1 : 1 / amax;
  const w = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) w[i] = a[i]! * s;
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  const betas = new Float64Array(n);
  tridiagonalize(w, n, d, e, betas);
  const z = accumulate(w, n, betas);
  tridiagonalQr(d, e, z, n);
  for (let i = 0; i < n; i++) d[i]! /= s;
  return sortedPairs(d, z, n);
}

/** eigh of the symmetric tridiagonal matrix with diagonal alpha and off-diagonal beta (length n−1). */
export function eighTridiagonal(alpha: Float64Array, beta: Float64Array): EighResult {
  const n = alpha.length;
  checkTridiagonal("eighTridiagonal", alpha, beta);
  const d = Float64Array.from(alpha);
  const e = Float64Array.from(beta.subarray(0, Math.max(n - 1, 0)));
  const z = new Float64Array(n * n);
  for (let i = 0; i < n; i++) z[i * n + i] = 1;
  tridiagonalQr(d, e, z, n);
  return sortedPairs(d, z, n);
}

/**
 * Eigenvalues of a symmetric tridiagonal matrix and only the first and last entries of each
 * eigenvector: the QR rotations are applied to a 2-column slice, so this costs O(n²) rather than
 * O(n³) — what Lanczos convergence checks and quadrature weights need.
 */
export function tridiagonalRitz(alpha: Float64Array, beta: Float64Array): TridiagonalRitz {
  const n = alpha.length;
  checkTridiagonal("tridiagonalRitz", alpha, beta);
  const d = Float64Array.from(alpha);
  const e = Float64Array.from(beta.subarray(0, Math.max(n - 1, 0)));
  // Rows 0 and n−1 of the eigenvector matrix, starting from rows 0 and n−1 of I.
  const z = new Float64Array(2 * n);
  if (n > 0) {
    z[0] = 1;
    z[2 * n - 1] = 1;
  }
  tridiagonalQr(d, e, z, 2);
  const order = ascendingOrder(d);
  const values = new Float64Array(n);
  const first = new Float64Array(n);
  const last = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const src = order[j]!;
    values[j] = d[src]!;
    first[j] = z[src]!;
    last[j] = z[n + src]!;
  }
  return { values, first, last };
}

function checkTridiagonal(who: string, alpha: Float64Array, beta: Float64Array): void {
  const n = alpha.length;
  if (beta.length < n - 1) throw new RangeError(`${who}: need ${n - 1} off-diagonal entries, got ${beta.length}`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(alpha[i]!)) throw new RangeError(`${who}: alpha[${i}] is ${alpha[i]}`);
  for (let i = 0; i < n - 1; i++) if (!Number.isFinite(beta[i]!)) throw new RangeError(`${who}: beta[${i}] is ${beta[i]}`);
}

function sortedPairs(d: Float64Array, z: Float64Array, n: number): EighResult {
  const order = ascendingOrder(d);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let j = 0; j < n; j++) values[j] = d[order[j]!]!;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) vectors[row + j] = z[row + order[j]!]!;
  }
  return { values, vectors };
}

function ascendingOrder(d: Float64Array): Int32Array {
  const order = Int32Array.from({ length: d.length }, (_, i) => i);
  order.sort((i, j) => d[i]! - d[j]!);
  return order;
}

/**
 * In-place reduction QᵀAQ = T reading and writing only the lower triangle, which halves the memory
 * traffic of the O(n³) phase. Step k reflects rows/columns k+1… with H = I − βvvᵀ built from column
 * k below the diagonal; v is stored in row k past the diagonal (upper triangle, unused otherwise)
 * for the accumulation of Q. The trailing update A₂₂ ← A₂₂ − vwᵀ − wvᵀ with p = βA₂₂v,
 * w = p − (βpᵀv/2)v is Golub & Van Loan's symmetric rank-2 form.
 */
function tridiagonalize(a: Float64Array, n: number, d: Float64Array, e: Float64Array, betas: Float64Array): void {
  const p = new Float64Array(n);
  const v = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    const rowK = k * n;
    let sigma = 0;
    for (let i = k + 2; i < n; i++) sigma += a[i * n + k]! * a[i * n + k]!;
    const x0 = a[(k + 1) * n + k]!;
    d[k] = a[rowK + k]!;
    if (sigma === 0) {
      // Column already reduced: H = I.
      e[k] = x0;
      betas[k] = 0;
      continue;
    }
    const xnorm = Math.sqrt(x0 * x0 + sigma);
    // α = −sign(x₀)‖x‖ so that v₀ = x₀ − α does not cancel (Golub & Van Loan Alg. 5.1.1).
    const alpha = x0 >= 0 ? -xnorm : xnorm;
    v[k + 1] = x0 - alpha;
    for (let i = k + 2; i < n; i++) v[i] = a[i * n + k]!;
    for (let i = k + 1; i < n; i++) a[rowK + i] = v[i]!;
    const beta = 2 / (v[k + 1]! * v[k + 1]! + sigma);
    betas[k] = beta;
    e[k] = alpha;
    // p = A₂₂v from the lower triangle: each stored a_ij (j < i) serves row i and, mirrored, row j.
    p.fill(0, k + 1, n);
    for (let i = k + 1; i < n; i++) {
      const vi = v[i]!;
      p[i]! += symmetricRow(a, i * n, v, p, vi, k + 1, i) + a[i * n + i]! * vi;
    }
    let pv = 0;
    for (let i = k + 1; i < n; i++) {
      p[i]! *= beta;
      pv += p[i]! * v[i]!;
    }
    const half = 0.5 * beta * pv;
    for (let i = k + 1; i < n; i++) p[i]! -= half * v[i]!;
    // Lower triangle of A₂₂ ← A₂₂ − vwᵀ − wvᵀ (p now holds w).
    for (let i = k + 1; i < n; i++) rank2Row(a, i * n, v[i]!, p[i]!, p, v, k + 1, i + 1);
  }
  if (n >= 2) {
    d[n - 2] = a[(n - 2) * n + n - 2]!;
    e[n - 2] = a[(n - 1) * n + n - 2]!;
  }
  d[n - 1] = a[(n - 1) * n + n - 1]!;
}

/**
 * Q = H₀H₁⋯H_{n−3} from the stored reflectors, built backwards (Golub & Van Loan §5.1.6): each H_k
 * then touches only the trailing block, and both passes below run along contiguous rows.
 */
function accumulate(a: Float64Array, n: number, betas: Float64Array): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const w = new Float64Array(n);
  for (let k = n - 3; k >= 0; k--) {
    const beta = betas[k]!;
    if (beta === 0) continue;
    const rowK = k * n;
    // wᵀ = β vᵀ Q₂₂ as a combination of rows, then Q₂₂ ← Q₂₂ − v wᵀ; two rows per pass over w.
    w.fill(0, k + 1, n);
    let i = k + 1;
    for (; i + 1 < n; i += 2) {
      combineRows(w, q, i * n, (i + 1) * n, beta * a[rowK + i]!, beta * a[rowK + i + 1]!, k + 1, n);
    }
    if (i < n) combineRows(w, q, i * n, i * n, beta * a[rowK + i]!, 0, k + 1, n);
    for (i = k + 1; i + 1 < n; i += 2) {
      subtractOuter(q, i * n, (i + 1) * n, a[rowK + i]!, a[rowK + i + 1]!, w, k + 1, n);
    }
    if (i < n) subtractOuter(q, i * n, i * n, a[rowK + i]!, 0, w, k + 1, n);
  }
  return q;
}

/**
 * Diagonalizes the tridiagonal (d, e) in place by implicit QR steps with Wilkinson shifts
 * (Golub & Van Loan (2013) Alg. 8.3.2), deflating when |e_i| ≤ ε(|d_i| + |d_{i+1}|). Each sweep's
 * Givens rotations are recorded and then applied to the columns of z (`rows` rows of stride n) one
 * row at a time, carrying the running column in a register as LAPACK's dlasr does: every entry is
 * read and written once per sweep along contiguous memory. If z started as Q (A = QTQᵀ), its
 * column i ends as the eigenvector of d[i].
 */
function tridiagonalQr(d: Float64Array, e: Float64Array, z: Float64Array, rows: number): void {
  const n = d.length;
  const cs = new Float64Array(n);
  const sn = new Float64Array(n);
  let hi = n - 1;
  let sweeps = 0;
  const maxSweeps = 50 * Math.max(n, 1);
  while (hi > 0) {
    for (let i = 0; i < hi; i++) {
      if (Math.abs(e[i]!) <= EPS * (Math.abs(d[i]!) + Math.abs(d[i + 1]!))) e[i] = 0;
    }
    while (hi > 0 && e[hi - 1] === 0) hi--;
    if (hi === 0) break;
    let lo = hi - 1;
    while (lo > 0 && e[lo - 1] !== 0) lo--;
    if (++sweeps > maxSweeps) throw new Error(`eigh: QR iteration did not converge after ${maxSweeps} sweeps`);
    // Wilkinson shift: the eigenvalue of the trailing 2×2 block closer to d[hi].
    const delta = 0.5 * (d[hi - 1]! - d[hi]!);
    const b = e[hi - 1]!;
    const mu = d[hi]! - (b * b) / (delta + (delta >= 0 ? 1 : -1) * Math.hypot(delta, b));
    let x = d[lo]! - mu;
    let y = e[lo]!;
    for (let k = lo; k < hi; k++) {
      // J maps (x, y) to (r, 0): at k = lo it starts the shifted step, later it chases the bulge.
      const r = Math.hypot(x, y);
      const c = r === 0 ? 1 : x / r;
      const s = r === 0 ? 0 : y / r;
      cs[k] = c;
      sn[k] = s;
      if (k > lo) e[k - 1] = r;
      const p = d[k]!;
      const q = e[k]!;
      const t = d[k + 1]!;
      const cc = c * s;
      // T ← J T Jᵀ on rows/columns k, k+1.
      d[k] = c * c * p + 2 * cc * q + s * s * t;
      d[k + 1] = s * s * p - 2 * cc * q + c * c * t;
      e[k] = cc * (t - p) + (c * c - s * s) * q;
      if (k + 1 < hi) {
        x = e[k]!;
        y = s * e[k + 1]!;
        e[k + 1] = c * e[k + 1]!;
      }
    }
    applySweep(z, rows, n, lo, hi, cs, sn);
  }
}

/**
 * Z ← Z Jᵀ for the sweep's rotations J_lo … J_{hi−1}: column k ← c·col_k + s·col_{k+1} and
 * column k+1 ← c·col_{k+1} − s·col_k, in order. The running column is a loop-carried value, so four
 * rows are interleaved to hide the multiply–add latency (measured ≈1.8× faster than one row).
 */
function applySweep(
  z: Float64Array,
  rows: number,
  n: number,
  lo: number,
  hi: number,
  cs: Float64Array,
  sn: Float64Array,
): void {
  let row = 0;
  for (; row + 4 <= rows; row += 4) {
    const b0 = row * n;
    const b1 = b0 + n;
    const b2 = b1 + n;
    const b3 = b2 + n;
    let u0 = z[b0 + lo]!;
    let u1 = z[b1 + lo]!;
    let u2 = z[b2 + lo]!;
    let u3 = z[b3 + lo]!;
    for (let k = lo; k < hi; k++) {
      const c = cs[k]!;
      const s = sn[k]!;
      const w0 = z[b0 + k + 1]!;
      const w1 = z[b1 + k + 1]!;
      const w2 = z[b2 + k + 1]!;
      const w3 = z[b3 + k + 1]!;
      z[b0 + k] = c * u0 + s * w0;
      u0 = c * w0 - s * u0;
      z[b1 + k] = c * u1 + s * w1;
      u1 = c * w1 - s * u1;
      z[b2 + k] = c * u2 + s * w2;
      u2 = c * w2 - s * u2;
      z[b3 + k] = c * u3 + s * w3;
      u3 = c * w3 - s * u3;
    }
    z[b0 + hi] = u0;
    z[b1 + hi] = u1;
    z[b2 + hi] = u2;
    z[b3 + hi] = u3;
  }
  for (; row < rows; row++) {
    const base = row * n;
    let u = z[base + lo]!;
    for (let k = lo; k < hi; k++) {
      const c = cs[k]!;
      const s = sn[k]!;
      const w = z[base + k + 1]!;
      z[base + k] = c * u + s * w;
      u = c * w - s * u;
    }
    z[base + hi] = u;
  }
}

// The inner loops below live in small functions on purpose: V8 optimizes a short hot function far
// better than the same loop inlined in a long one entered once (measured 2–3× on these kernels).

/** Σ_j a_ij v_j over j ∈ [from, to) of row i, while adding a_ij·v_i into p_j (the mirrored half). */
function symmetricRow(
  a: Float64Array,
  row: number,
  v: Float64Array,
  p: Float64Array,
  vi: number,
  from: number,
  to: number,
): number {
  let acc = 0;
  for (let j = from; j < to; j++) {
    const aij = a[row + j]!;
    acc += aij * v[j]!;
    p[j] = p[j]! + aij * vi;
  }
  return acc;
}

/** a_ij ← a_ij − v_i w_j − w_i v_j over j ∈ [from, to) of one row. */
function rank2Row(
  a: Float64Array,
  row: number,
  vi: number,
  wi: number,
  w: Float64Array,
  v: Float64Array,
  from: number,
  to: number,
): void {
  for (let j = from; j < to; j++) a[row + j] = a[row + j]! - vi * w[j]! - wi * v[j]!;
}

/** w_j ← w_j + c₀·q[r₀ + j] + c₁·q[r₁ + j] over j ∈ [from, to). */
function combineRows(
  w: Float64Array,
  q: Float64Array,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  from: number,
  to: number,
): void {
  for (let j = from; j < to; j++) w[j] = w[j]! + c0 * q[r0 + j]! + c1 * q[r1 + j]!;
}

/** Rows r₀ and r₁ of q lose c₀·w and c₁·w over [from, to); r₀ = r₁ with c₁ = 0 handles an odd row. */
function subtractOuter(
  q: Float64Array,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  w: Float64Array,
  from: number,
  to: number,
): void {
  if (r0 === r1) {
    for (let j = from; j < to; j++) q[r0 + j] = q[r0 + j]! - c0 * w[j]!;
    return;
  }
  for (let j = from; j < to; j++) {
    const wj = w[j]!;
    q[r0 + j] = q[r0 + j]! - c0 * wj;
    q[r1 + j] = q[r1 + j]! - c1 * wj;
  }
}
