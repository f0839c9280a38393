/** @file eigenvalue density of a symmetric operator by stochastic Lanczos quadrature */
import { Rng } from "../kernels/random.js";
import { tridiagonalRitz } from "./eigh.js";
import { requireSymmetric, type LinearOperator } from "./linearOperator.js";
import { axpy, dot, meanAndError, norm, orthogonalize, randomVector, scaleInPlace } from "./vector.js";

/** Options of spectralDensity. */
export interface SpectralDensityOptions {
  /** Independent Rademacher probes (one Lanczos run each). */
  readonly probes: number;
  /** Lanczos steps per probe (the quadrature has this many nodes); capped at n. */
  readonly steps: number;
  /** Seed or generator. Default 0. */
  readonly seed?: number | Rng;
  /** Grid points. Default 512. */
  readonly gridSize?: number;
  /** Gaussian smoothing width. Default 1% of the node range (or 1e-3·max|λ|, or 1, for a point spectrum). */
  readonly sigma?: number;
  /** Grid interval [lo, hi]. Default the node range widened by 5σ each side, so ≈ all mass is on the grid. */
  readonly range?: readonly [number, number];
  /** Nodes with |θ| ≤ this count as zero, not negative. Default 1e-10·max|θ|. */
  readonly zeroTolerance?: number;
}

/** The smoothed spectral density, its error bars and the quadrature it came from. */
export interface SpectralDensity {
  /** Evenly spaced grid points t. */
  readonly grid: Float64Array;
  /** φ(t) = Σᵢ wᵢ g_σ(t − θᵢ) averaged over probes; integrates to ≈ 1. */
  readonly density: Float64Array;
  /** Standard error of density across probes (NaN with one probe). */
  readonly stderr: Float64Array;
  /** Per probe: Gauss quadrature nodes θᵢ (Ritz values of that probe's Lanczos matrix). */
  readonly nodes: Float64Array[];
  /** Per probe: weights wᵢ = (e₁ᵀsᵢ)², summing to 1. */
  readonly weights: Float64Array[];
  /** Probes used. */
  readonly probes: number;
  /** Operator products used. */
  readonly products: number;
  /** Smoothing width used. */
  readonly sigma: number;
  /** The fraction of negative eigenvalues: estimate, probe noise, and a bracket for the quadrature bias. */
  readonly negativeFraction: NegativeFraction;
}

/** One probe's Chebyshev–Markov–Stieltjes bracket of its measure's mass below 0, and whether its quadrature was exact. */
export interface FractionBounds {
  readonly lower: number;
  readonly upper: number;
  /** The Krylov space was invariant (or all of ℝⁿ): the nodes are eigenvalues, the measure is the quadrature. */
  readonly exact: boolean;
}

/**
 * The fraction of negative eigenvalues. `estimate` ± `standardError` is Σ_{θᵢ<0} wᵢ over probes, whose
 * error bar is probe variance only: a few Gauss nodes cannot split a cluster of eigenvalues that
 * straddles 0, so it can be biased by many standard errors. `lower`/`upper` average rigorous per-probe
 * bounds on that bias; `interval` widens them by two standard errors of the probes, so it covers both.
 */
export interface NegativeFraction {
  readonly estimate: number;
  readonly standardError: number;
  /** Mean over probes of the per-probe lower and upper bounds. */
  readonly lower: number;
  readonly upper: number;
  /** [lower − 2·SE(lower), upper + 2·SE(upper)], clipped to [0, 1]. */
  readonly interval: readonly [number, number];
  /** Whether the interval is narrower than 0.05; if not, more Lanczos steps are needed to resolve the eigenvalues near 0. */
  readonly resolved: boolean;
  readonly perProbe: readonly FractionBounds[];
}

/**
 * Stochastic Lanczos quadrature (Golub & Meurant (2010); Ubaru, Chen & Saad (2017); applied to
 * network Hessians by Ghorbani, Krishnan & Xiao (2019)). For a unit probe v, m Lanczos steps give
 * T = SΘSᵀ and vᵀf(A)v ≈ Σᵢ (e₁ᵀsᵢ)² f(θᵢ), exact for polynomials of degree < 2m. With E[vvᵀ] = I/n
 * the average over probes estimates (1/n) Σⱼ f(λⱼ); taking f = g_σ(t − ·) gives the density and
 * f = 1[· < 0] the negative fraction. Lanczos here uses full reorthogonalization so the nodes carry
 * no spurious copies; weights come from the first eigenvector rows only (Golub & Welsch 1969).
 */
export function spectralDensity(op: LinearOperator, options: SpectralDensityOptions): SpectralDensity {
  const n = requireSymmetric("spectralDensity", op);
  const { probes } = options;
  if (!Number.isInteger(probes) || probes < 1) throw new RangeError(`spectralDensity: probes must be a positive integer, got ${probes}`);
  if (!Number.isInteger(options.steps) || options.steps < 1) {
    throw new RangeError(`spectralDensity: steps must be a positive integer, got ${options.steps}`);
  }
  const steps = Math.min(options.steps, n);
  const gridSize = options.gridSize ?? 512;
  if (!Number.isInteger(gridSize) || gridSize < 2) throw new RangeError(`spectralDensity: gridSize must be an integer ≥ 2, got ${gridSize}`);
  const rng = options.seed instanceof Rng ? options.seed : new Rng(options.seed ?? 0);
  const nodes: Float64Array[] = [];
  const weights: Float64Array[] = [];
  const exact: boolean[] = [];
  let products = 0;
  for (let p = 0; p < probes; p++) {
    const v = randomVector(rng, n, "rademacher");
    const run = lanczosQuadrature(op, scaleInPlace(1 / Math.sqrt(n), v), steps);
    products += run.products;
    nodes.push(run.nodes);
    weights.push(run.weights);
    exact.push(run.exact);
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const th of nodes) {
    for (const x of th) {
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
  }
  const scaleOfSpectrum = Math.max(Math.abs(lo), Math.abs(hi));
  const sigma = options.sigma ?? (hi > lo ? 0.01 * (hi - lo) : scaleOfSpectrum > 0 ? 1e-3 * scaleOfSpectrum : 1);
  if (!(sigma > 0)) throw new RangeError(`spectralDensity: sigma must be positive, got ${sigma}`);
  const [from, to] = options.range ?? [lo - 5 * sigma, hi + 5 * sigma];
  if (!(to > from)) throw new RangeError(`spectralDensity: range [${from}, ${to}] is empty`);
  const grid = new Float64Array(gridSize);
  for (let g = 0; g < gridSize; g++) grid[g] = from + ((to - from) * g) / (gridSize - 1);

  // Per-probe densities, then the mean and its standard error at every grid point.
  const perProbe = nodes.map((th, p) => smoothed(grid, th, weights[p]!, sigma));
  const density = new Float64Array(gridSize);
  const stderr = new Float64Array(gridSize);
  const column = new Float64Array(probes);
  for (let g = 0; g < gridSize; g++) {
    for (let p = 0; p < probes; p++) column[p] = perProbe[p]![g]!;
    const { mean, standardError } = meanAndError(column);
    density[g] = mean;
    stderr[g] = standardError;
  }
  const zero = options.zeroTolerance ?? 1e-10 * scaleOfSpectrum;
  const bounds = nodes.map((th, p) => fractionBounds(th, weights[p]!, zero, exact[p]!));
  const fractions = Float64Array.from(nodes, (th, p) => th.reduce((f, x, i) => (x < -zero ? f + weights[p]![i]! : f), 0));
  const neg = meanAndError(fractions);
  const lower = meanAndError(Float64Array.from(bounds, (b) => b.lower));
  const upper = meanAndError(Float64Array.from(bounds, (b) => b.upper));
  // With one probe there is no standard error; the bracket is then the quadrature's alone.
  const spread = (x: number): number => (Number.isFinite(x) ? 2 * x : 0);
  const interval = [Math.max(0, lower.mean - spread(lower.standardError)), Math.min(1, upper.mean + spread(upper.standardError))] as const;
  return {
    grid,
    density,
    stderr,
    nodes,
    weights,
    probes,
    products,
    sigma,
    negativeFraction: {
      estimate: neg.mean,
      standardError: neg.standardError,
      lower: lower.mean,
      upper: upper.mean,
      interval,
      resolved: interval[1] - interval[0] <= 0.05,
      perProbe: bounds,
    },
  };
}

/**
 * Bounds on μ((−∞, 0)) for the measure μ whose m-point Gauss rule has ascending nodes θ and weights
 * w. The Chebyshev–Markov–Stieltjes inequalities (Szegő (1939) §3.41; Golub & Meurant (2010) §6.3)
 * give Σ_{j<k} wⱼ ≤ μ((−∞, θₖ)) and μ((−∞, θₖ]) ≤ Σ_{j≤k} wⱼ, so with θₖ the largest node below −zero
 * and θₗ the smallest above +zero, Σ_{j<k} wⱼ ≤ μ((−∞, 0)) ≤ Σ_{j≤l} wⱼ: the uncertain mass is the
 * weight of the two nodes that flank 0 (and of any node within ±zero of it). An exact quadrature
 * (invariant Krylov space) leaves only the nodes within ±zero uncertain.
 */
function fractionBounds(theta: Float64Array, w: Float64Array, zero: number, exact: boolean): FractionBounds {
  let below = 0;
  let notAbove = 0;
  let k = -1;
  let l = theta.length;
  theta.forEach((x, j) => {
    if (x < -zero) {
      below += w[j]!;
      k = j;
    }
    if (x <= zero) notAbove += w[j]!;
    else if (l === theta.length) l = j;
  });
  if (exact) return { lower: below, upper: notAbove, exact };
  const lower = k < 0 ? 0 : below - w[k]!;
  const upper = l === theta.length ? 1 : notAbove + w[l]!;
  return { lower: Math.max(0, lower), upper: Math.min(1, upper), exact };
}

/** Σᵢ wᵢ g_σ(t − θᵢ) on the grid, g_σ the normal density of width σ. */
function smoothed(grid: Float64Array, theta: Float64Array, w: Float64Array, sigma: number): Float64Array {
  const out = new Float64Array(grid.length);
  const c = 1 / (sigma * Math.sqrt(2 * Math.PI));
  for (let i = 0; i < theta.length; i++) {
    const th = theta[i]!;
    const wi = w[i]! * c;
    for (let g = 0; g < grid.length; g++) {
      const u = (grid[g]! - th) / sigma;
      out[g]! += wi * Math.exp(-0.5 * u * u);
    }
  }
  return out;
}

/**
 * m Lanczos steps from unit v with full reorthogonalization; returns the Gauss quadrature of the
 * measure Σⱼ (vᵀuⱼ)² δ(λⱼ). Stops early when β = 0: the Krylov space is invariant and the
 * quadrature with fewer nodes is already exact.
 */
function lanczosQuadrature(
  op: LinearOperator,
  v: Float64Array,
  steps: number,
): { nodes: Float64Array; weights: Float64Array; products: number; exact: boolean } {
  const alpha: number[] = [];
  const beta: number[] = [];
  const basis: Float64Array[] = [v];
  let scaleEstimate = 0;
  let invariant = false;
  for (let j = 0; j < steps; j++) {
    const q = basis[j]!;
    const w = op.matvec(q);
    const a = dot(q, w);
    alpha.push(a);
    axpy(-a, q, w);
    if (j > 0) axpy(-beta[j - 1]!, basis[j - 1]!, w);
    // Full reorthogonalization; the coefficients it removes are rounding-level corrections.
    orthogonalize(w, basis);
    const b = norm(w);
    scaleEstimate = Math.max(scaleEstimate, Math.abs(a) + b);
    invariant = b <= 1e-12 * scaleEstimate;
    if (j === steps - 1 || invariant) break;
    beta.push(b);
    basis.push(scaleInPlace(1 / b, w));
  }
  const ritz = tridiagonalRitz(Float64Array.from(alpha), Float64Array.from(beta));
  const weights = ritz.first.map((s) => s * s);
  // With n steps the Krylov space is all of ℝⁿ: the rule is exact for every function, not just polynomials.
  return { nodes: ritz.values, weights, products: alpha.length, exact: invariant || alpha.length === op.shape[0] };
}
