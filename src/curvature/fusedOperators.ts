/** @file the risk's gradient, Hessian and GGN operators on the fused dense-network passes of nn/fused.ts */
import type { LinearOperator } from "../linalg/linearOperator.js";
import { convertInto } from "../kernels/backends/backend.js";
import { allocate, type TypedArray } from "../kernels/ndarray.js";
import { FusedNetwork, type ProductOptions } from "../nn/fused.js";
import type { EmpiricalRisk } from "./empiricalRisk.js";

/** Per risk: the engine and p-sized scratch in the risk's dtype, reused by every product. */
interface Workspace {
  readonly engine: FusedNetwork;
  /** The engine's output for one batch. */
  readonly out: TypedArray;
  /** θ rounded to float32 (gradients) and v rounded to float32 (products); unused for float64. */
  readonly theta: TypedArray;
  readonly v: TypedArray;
}

// One workspace per risk, so products allocate nothing but their result (operators are applied
// hundreds of times by Lanczos and CG, and zeroing fresh 10 MB buffers is not free); the WeakMap
// lets it go with the risk. Float32 copies are refreshed on every call: callers may mutate θ.
const workspaces = new WeakMap<EmpiricalRisk, Workspace>();

function workspaceFor(risk: EmpiricalRisk): Workspace {
  let w = workspaces.get(risk);
  if (w === undefined) {
    const p = risk.network.layout.size;
    const f32 = risk.dtype === "float32";
    w = {
      engine: new FusedNetwork(risk.network, risk.dtype),
      out: allocate(risk.dtype, p),
      theta: allocate(risk.dtype, f32 ? p : 0),
      v: allocate(risk.dtype, f32 ? p : 0),
    };
    workspaces.set(risk, w);
  }
  return w;
}

/** A Float64Array in the risk's dtype: itself for float64, rounded into `into` for float32. */
function inDtype(risk: EmpiricalRisk, v: Float64Array, into: TypedArray): TypedArray {
  if (risk.dtype === "float64") return v;
  convertInto(v, into);
  return into;
}

/**
 * Runs `perBatch` (which must scale its result by `scale` = 1/c) over every batch and returns
 * Σ batch results + λ·decayTerm, in float64.
 */
function sumOverBatches(
  risk: EmpiricalRisk,
  perBatch: (engine: FusedNetwork, x: TypedArray, t: TypedArray, rows: number, out: TypedArray, scale: number) => void,
  decayTerm: Float64Array,
): Float64Array {
  const { engine, out } = workspaceFor(risk);
  const p = risk.network.layout.size;
  const wd = risk.network.weightDecay;
  const scale = 1 / risk.normalizer;
  const total = new Float64Array(p);
  // one float64 batch writes the result itself; otherwise batches land in the workspace and are
  // summed in float64 (converted in bulk by the backend, far faster than a loop here)
  const direct = risk.dtype === "float64" && risk.batches.length === 1;
  risk.batches.forEach((batch, i) => {
    const dst = direct ? total : out;
    perBatch(engine, batch.inputs.data(), batch.targets.data(), batch.inputs.shape[0]!, dst, scale);
    if (direct) return;
    if (i === 0) convertInto(out, total);
    else for (let j = 0; j < p; j++) total[j]! += out[j]!;
  });
  if (wd !== 0) for (let j = 0; j < p; j++) total[j]! += wd * decayTerm[j]!;
  return total;
}

/** L(θ) and ∇L(θ) by the fused backward pass; the same contract as riskValueAndGrad. */
export function fusedRiskValueAndGrad(risk: EmpiricalRisk, theta: Float64Array): { value: number; grad: Float64Array } {
  risk.network.layout.checkLength(theta.length);
  const th = inDtype(risk, theta, workspaceFor(risk).theta);
  let loss = 0;
  const grad = sumOverBatches(risk, (engine, x, t, rows, out, scale) => {
    loss += engine.lossAndGrad(th, x, t, rows, out, scale);
  }, theta);
  const wd = risk.network.weightDecay;
  let sq = 0;
  if (wd !== 0) for (const v of theta) sq += v * v;
  return { value: loss / risk.normalizer + 0.5 * wd * sq, grad };
}

function fusedOperator(
  risk: EmpiricalRisk,
  theta: Float64Array,
  product: (engine: FusedNetwork, th: TypedArray, x: TypedArray, t: TypedArray, rows: number, v: TypedArray, out: TypedArray, options: ProductOptions) => void,
): LinearOperator {
  risk.network.layout.checkLength(theta.length);
  const p = theta.length;
  // The operator is the matrix at θ as it is now: its own copy (rounded once for float32), which
  // nothing else writes — so with one batch, products after the first skip the forward pass.
  // (Float32Array.from(float64 array) is several times slower than this)
  const th = allocate(risk.dtype, p);
  convertInto(theta, th);
  const reuseForward = risk.batches.length === 1;
  return {
    shape: [p, p],
    symmetric: true,
    matvec(v: Float64Array): Float64Array {
      if (v.length !== p) throw new RangeError(`curvature operator of size ${p} applied to a vector of length ${v.length}`);
      const vt = inDtype(risk, v, workspaceFor(risk).v);
      return sumOverBatches(risk, (engine, x, t, rows, out, scale) => product(engine, th, x, t, rows, vt, out, { reuseForward, scale }), v);
    },
  };
}

/**
 * H = ∇²L(θ) by Pearlmutter's R{backprop}; the same matrix as hessianOperator, far cheaper per
 * product. θ is copied: later changes to the caller's array do not change the operator.
 */
export function fusedHessianOperator(risk: EmpiricalRisk, theta: Float64Array): LinearOperator {
  return fusedOperator(risk, theta, (e, th, x, t, rows, v, out, options) => e.hessianProduct(th, x, t, rows, v, out, options));
}

/** G = JᵀH_ℓJ (+ λI) by an R-forward and one backward pass; the same matrix as ggnOperator (θ copied). */
export function fusedGgnOperator(risk: EmpiricalRisk, theta: Float64Array): LinearOperator {
  return fusedOperator(risk, theta, (e, th, x, t, rows, v, out, options) => e.ggnProduct(th, x, t, rows, v, out, options));
}
