/** @file Householder reduction of a dense symmetric matrix to tridiagonal form, and the accumulated orthogonal factor */

/**
 * In-place reduction QᵀAQ = T reading and writing only the lower triangle, which halves the memory
 * traffic of the O(n³) phase. Step k reflects rows/columns k+1… with H = I − βvvᵀ built from column
 * k below the diagonal; v is stored in row k past the diagonal (upper triangle, unused otherwise)
 * for the accumulation of Q. The trailing update A₂₂ ← A₂₂ − vwᵀ − wvᵀ with p = βA₂₂v,
 * w = p − (βpᵀv/2)v is Golub & Van Loan's symmetric rank-2 form.
 */
export function tridiagonalize(a: Float64Array, n: number, d: Float64Array, e: Float64Array, betas: Float64Array): void {
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
export function accumulate(a: Float64Array, n: number, betas: Float64Array): Float64Array {
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
