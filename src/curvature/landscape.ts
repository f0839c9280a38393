/** @file loss-landscape slices L(θ + αd₁ + βd₂) along eigenvectors or filter-normalized random directions, with the quadratic model overlaid */
import { Rng } from "../kernels/random.js";
import { lanczos } from "../linalg/lanczos.js";
import { countProducts, type LinearOperator } from "../linalg/linearOperator.js";
import { dot } from "../linalg/vector.js";
import { biasName, weightName, type Network } from "../nn/index.js";
import type { EmpiricalRisk } from "./empiricalRisk.js";
import { riskValue, riskValueAndGrad } from "./riskLoop.js";
import { curvatureOperator, type CurvatureKind } from "./operators.js";

/** Options of landscapeSlice. */
export interface SliceOptions {
  /** The grid covers α (and β) ∈ [−range, range]. */
  readonly range: number;
  /** Grid points per axis (≥ 2; odd puts a point exactly on θ). */
  readonly points: number;
  /** Called after every loss evaluation. */
  readonly onEvaluation?: (done: number, total: number) => void;
}

/** A 1-D or 2-D slice of the loss and of its quadratic model around θ. */
export interface LandscapeSlice {
  readonly dims: 1 | 2;
  /** Grid coordinates α along d₁, ascending, symmetric about 0 (exactly 0 in the middle when points is odd). */
  readonly alphas: Float64Array;
  /** Grid coordinates β along d₂ (the same as alphas); empty for a 1-D slice. */
  readonly betas: Float64Array;
  /** L(θ + αd₁ + βd₂): row-major [β][α] in 2-D, [α] in 1-D. */
  readonly loss: Float64Array;
  /** q(δ) = L + gᵀδ + ½δᵀHδ at the same points, laid out like loss. */
  readonly quadratic: Float64Array;
  /** L(θ). */
  readonly center: number;
  /** gᵀdᵢ per direction. */
  readonly slopes: readonly number[];
  /** dᵢᵀHdⱼ (1×1 or 2×2, symmetric). */
  readonly curvatures: readonly (readonly number[])[];
  /** ‖dᵢ‖ per direction (the slice does not normalize). */
  readonly directionNorms: readonly number[];
  /** Loss evaluations (grid plus the center). */
  readonly evaluations: number;
  /** Hessian-vector products (one per direction). */
  readonly products: number;
}

/**
 * Evaluates L(θ + αd₁ + βd₂) on a symmetric grid and the quadratic model alongside. The model needs
 * only Hd₁ and Hd₂: with δ = αd₁ + βd₂, δᵀHδ = α²d₁ᵀHd₁ + 2αβ·d₁ᵀHd₂ + β²d₂ᵀHd₂ exactly, so its
 * whole 2-D surface costs two products. Directions are used as given (not normalized), so α is in
 * units of ‖d₁‖.
 */
export function landscapeSlice(
  loss: (theta: Float64Array) => number,
  theta: Float64Array,
  gradient: Float64Array,
  hessian: LinearOperator,
  directions: readonly Float64Array[],
  options: SliceOptions,
): LandscapeSlice {
  const n = theta.length;
  const dims = directions.length;
  if (dims !== 1 && dims !== 2) throw new RangeError(`landscapeSlice: needs 1 or 2 directions, got ${dims}`);
  if (gradient.length !== n) throw new RangeError("landscapeSlice: θ and gradient lengths differ");
  const { range, points } = options;
  if (!(range > 0) || !Number.isFinite(range)) throw new RangeError(`landscapeSlice: range must be positive and finite, got ${range}`);
  if (!Number.isInteger(points) || points < 2) throw new RangeError(`landscapeSlice: points must be an integer ≥ 2, got ${points}`);
  const norms = directions.map((d, i) => {
    if (d.length !== n) throw new RangeError(`landscapeSlice: direction ${i + 1} has length ${d.length}, θ has ${n}`);
    const s = Math.sqrt(dot(d, d));
    if (!(s > 0) || !Number.isFinite(s)) throw new RangeError(`landscapeSlice: direction ${i + 1} must be non-zero and finite`);
    return s;
  });
  const hd = directions.map((d) => hessian.matvec(d));
  const slopes = directions.map((d) => dot(gradient, d));
  const curvatures = directions.map((di) => hd.map((hdj) => dot(di, hdj)));
  // (i − m)/m with an integer numerator: the middle coordinate is exactly 0, the grid exactly symmetric.
  const half = (points - 1) / 2;
  const alphas = Float64Array.from({ length: points }, (_, i) => (range * (i - half)) / half);
  const betas = dims === 2 ? Float64Array.from(alphas) : new Float64Array(0);
  const total = dims === 2 ? points * points + 1 : points + 1;
  let done = 0;
  const evaluate = (x: Float64Array): number => {
    const value = loss(x);
    done++;
    options.onEvaluation?.(done, total);
    return value;
  };
  const center = evaluate(theta);
  const d1 = directions[0]!;
  const d2 = directions[1];
  const rows = dims === 2 ? points : 1;
  const lossGrid = new Float64Array(rows * points);
  const quadratic = new Float64Array(rows * points);
  const moved = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const b = dims === 2 ? betas[r]! : 0;
    for (let c = 0; c < points; c++) {
      const a = alphas[c]!;
      for (let i = 0; i < n; i++) moved[i] = theta[i]! + a * d1[i]! + (d2 === undefined ? 0 : b * d2[i]!);
      lossGrid[r * points + c] = evaluate(moved);
      const g = a * slopes[0]! + (dims === 2 ? b * slopes[1]! : 0);
      const h =
        a * a * curvatures[0]![0]! + (dims === 2 ? 2 * a * b * curvatures[0]![1]! + b * b * curvatures[1]![1]! : 0);
      quadratic[r * points + c] = center + g + 0.5 * h;
    }
  }
  return {
    dims,
    alphas,
    betas,
    loss: lossGrid,
    quadratic,
    center,
    slopes,
    curvatures,
    directionNorms: norms,
    evaluations: done,
    products: dims,
  };
}

/**
 * Filter normalization (Li, Xu, Taylor, Studer & Goldstein (2018) §4): each dense layer's "filter"
 * is one output unit, i.e. its incoming weights — row j of PyTorch's [out, in] weight, stored as
 * column j of the [in, out] weight inside θ. That part of the direction is rescaled to the norm of
 * the same part of θ, so a step α moves every unit by the same fraction of its own weight scale and
 * the slice is comparable across networks and scale-invariant reparametrizations. Bias entries are
 * set to zero, as in Li et al.'s released code (`--xignore biasbn`): biases are not perturbed. A
 * unit whose weights in θ are all zero gets a zero row.
 */
export function filterNormalize(net: Network, theta: Float64Array, direction: Float64Array): Float64Array {
  net.layout.checkLength(theta.length);
  net.layout.checkLength(direction.length);
  const out = Float64Array.from(direction);
  net.layers.forEach((layer, l) => {
    const w = net.layout.entry(weightName(l));
    const cols = layer.outputs;
    for (let j = 0; j < cols; j++) {
      let thetaSq = 0;
      let dirSq = 0;
      for (let i = 0; i < layer.inputs; i++) {
        const at = w.offset + i * cols + j;
        thetaSq += theta[at]! ** 2;
        dirSq += direction[at]! ** 2;
      }
      const factor = dirSq > 0 ? Math.sqrt(thetaSq / dirSq) : 0;
      for (let i = 0; i < layer.inputs; i++) out[w.offset + i * cols + j]! *= factor;
    }
    const b = net.layout.entry(biasName(l));
    out.fill(0, b.offset, b.offset + b.size);
  });
  return out;
}

/** `count` seeded Gaussian directions, each filter-normalized against θ (see filterNormalize). */
export function randomDirections(net: Network, theta: Float64Array, count: number, seed = 0): Float64Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const d = Float64Array.from({ length: theta.length }, () => rng.normal());
    return filterNormalize(net, theta, d);
  });
}

/** The top eigenvectors of an operator, from eigenDirections. */
export interface EigenDirections {
  /** Unit eigenvectors, largest eigenvalue first. */
  readonly vectors: Float64Array[];
  readonly values: readonly number[];
  readonly residuals: readonly number[];
  readonly converged: boolean;
  readonly products: number;
}

/** The `count` algebraically largest eigenpairs of a symmetric operator by Lanczos (seeded). */
export function eigenDirections(op: LinearOperator, count: number, options: { seed?: number; tol?: number } = {}): EigenDirections {
  const r = lanczos(op, { k: count, which: "largest", seed: options.seed ?? 0, tol: options.tol ?? 1e-8 });
  return { vectors: r.vectors, values: Array.from(r.values), residuals: r.residuals, converged: r.converged, products: r.products };
}

/** How lossLandscape picks its directions. */
export type LandscapeDirections = "eigen" | "random";

/** Options of lossLandscape. */
export interface LandscapeOptions {
  /** "eigen": top eigenvectors of `curvature` (unit length); "random": filter-normalized Gaussian. */
  readonly directions: LandscapeDirections;
  readonly dims: 1 | 2;
  /** α, β ∈ [−range, range]. Default 1. */
  readonly range?: number;
  /** Grid points per axis. Default 41 in 1-D, 21 in 2-D. */
  readonly points?: number;
  /** Seed of the random directions and of Lanczos' start vector. Default 0. */
  readonly seed?: number;
  /** Whose eigenvectors, with directions "eigen". Default "hessian". The overlay always uses H. */
  readonly curvature?: CurvatureKind;
  /** Progress: the phase and its running count. */
  readonly onProgress?: (phase: "eigenvectors" | "grid", done: number, total: number | null) => void;
}

/** A landscape slice with the directions it was taken along. */
export interface LossLandscape extends LandscapeSlice {
  readonly directionKind: LandscapeDirections;
  /** The directions d₁ (, d₂). */
  readonly vectors: readonly Float64Array[];
  /** With "eigen": the eigenvalues of d₁ (, d₂) and their residuals; null with "random". */
  readonly eigen: { readonly values: readonly number[]; readonly residuals: readonly number[]; readonly converged: boolean } | null;
  /** Operator products in all (eigenvectors plus the overlay's Hd). */
  readonly totalProducts: number;
}

/**
 * A loss-landscape slice of an empirical risk around θ (Li et al. 2018 for "random"; along the top
 * Hessian eigenvectors, the directions of sharpest curvature, for "eigen"), with the second-order
 * Taylor model from the exact gradient and Hessian overlaid.
 */
export function lossLandscape(risk: EmpiricalRisk, theta: Float64Array, options: LandscapeOptions): LossLandscape {
  const seed = options.seed ?? 0;
  const dims = options.dims;
  const hessian = curvatureOperator(risk, theta, "hessian");
  let vectors: Float64Array[];
  let eigen: LossLandscape["eigen"] = null;
  let eigenProducts = 0;
  if (options.directions === "eigen") {
    const kind = options.curvature ?? "hessian";
    const base = kind === "hessian" ? hessian : curvatureOperator(risk, theta, kind);
    const counted = countProducts(base, (count) => options.onProgress?.("eigenvectors", count, null)).operator;
    const e = eigenDirections(counted, dims, { seed });
    vectors = e.vectors;
    eigen = { values: e.values, residuals: e.residuals, converged: e.converged };
    eigenProducts = e.products;
  } else {
    vectors = randomDirections(risk.network, theta, dims, seed);
  }
  const { grad } = riskValueAndGrad(risk, theta);
  const slice = landscapeSlice((x) => riskValue(risk, x), theta, grad, hessian, vectors, {
    range: options.range ?? 1,
    points: options.points ?? (dims === 1 ? 41 : 21),
    onEvaluation: (done, total) => options.onProgress?.("grid", done, total),
  });
  return { ...slice, directionKind: options.directions, vectors, eigen, totalProducts: eigenProducts + slice.products };
}
