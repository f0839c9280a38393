/** @file the one loop over a risk's batches: engines and their workspaces, reduction and weight decay, value, gradient, operators */
import { convertInto } from "../kernels/backends/backend.js";
import { allocate, type DType, type TypedArray } from "../kernels/ndarray.js";
import type { LinearOperator } from "../linalg/linearOperator.js";
import { AutodiffEngine } from "../nn/autodiffEngine.js";
import type { EngineBatch, LayerBackprop, NetworkEngine, ProductOptions } from "../nn/engine.js";
import { FusedNetwork } from "../nn/fused.js";
import type { Network } from "../nn/network.js";
import type { EmpiricalRisk, EngineKind } from "./empiricalRisk.js";

/** An engine and p-sized scratch in its dtype, reused by every call on its network. */
interface Workspace {
  readonly engine: NetworkEngine;
  /** The engine's output for one batch. */
  readonly out: TypedArray;
  /** θ rounded to float32 (gradients) and v rounded to float32 (products); unused for float64. */
  readonly theta: TypedArray;
  readonly v: TypedArray;
}

// Keyed by network, then engine and dtype, so a training loop that builds a new risk per mini-batch
// reuses one set of buffers (zeroing fresh 10 MB arrays every step is not free), and the WeakMap
// lets them go with the network. Calls are synchronous and run to completion, so risks sharing a
// network never see each other's scratch half-written.
const workspaces = new WeakMap<Network, Map<string, Workspace>>();

function workspaceFor(network: Network, dtype: DType, kind: EngineKind): Workspace {
  let perNetwork = workspaces.get(network);
  if (perNetwork === undefined) workspaces.set(network, (perNetwork = new Map<string, Workspace>()));
  const key = `${kind}/${dtype}`;
  let w = perNetwork.get(key);
  if (w === undefined) {
    const p = network.layout.size;
    const f32 = dtype === "float32";
    w = {
      engine: kind === "fused" ? new FusedNetwork(network, dtype) : new AutodiffEngine(network, dtype),
      out: allocate(dtype, p),
      theta: allocate(dtype, f32 ? p : 0),
      v: allocate(dtype, f32 ? p : 0),
    };
    perNetwork.set(key, w);
  }
  return w;
}

/** The engine a risk's passes run on (shared by every risk of its network, engine kind and dtype). */
export function riskEngine(risk: EmpiricalRisk): NetworkEngine {
  return workspaceFor(risk.network, risk.dtype, risk.engine).engine;
}

/** A Float64Array in the risk's dtype: itself for float64, rounded into `into` for float32. */
function inDtype(risk: EmpiricalRisk, v: Float64Array, into: TypedArray): TypedArray {
  if (risk.dtype === "float64") return v;
  convertInto(v, into);
  return into;
}

/** One batch's share of a quantity: writes scale·(its product) into `out`, in the risk's dtype. */
export type BatchProduct = (engine: NetworkEngine, batch: EngineBatch, index: number, out: TypedArray, scale: number) => void;

/**
 * Σ over batches of `perBatch` (each scaled by 1/c, the reduction) + λ·decayTerm, in float64: the
 * one place where batches are summed, the reduction applied and weight decay added.
 */
function sumOverBatches(risk: EmpiricalRisk, perBatch: BatchProduct, decayTerm: Float64Array): Float64Array {
  const { engine, out } = workspaceFor(risk.network, risk.dtype, risk.engine);
  const p = risk.network.layout.size;
  const wd = risk.network.weightDecay;
  const scale = 1 / risk.normalizer;
  const total = new Float64Array(p);
  // one float64 batch writes the result itself; otherwise batches land in the workspace and are
  // summed in float64 (converted in bulk by the backend, far faster than a loop here)
  const direct = risk.dtype === "float64" && risk.batches.length === 1;
  risk.batches.forEach((batch, i) => {
    const dst = direct ? total : out;
    perBatch(engine, batch, i, dst, scale);
    if (direct) return;
    if (i === 0) convertInto(out, total);
    else for (let j = 0; j < p; j++) total[j]! += out[j]!;
  });
  if (wd !== 0) for (let j = 0; j < p; j++) total[j]! += wd * decayTerm[j]!;
  return total;
}

function decayValue(risk: EmpiricalRisk, theta: Float64Array): number {
  const wd = risk.network.weightDecay;
  if (wd === 0) return 0;
  let sq = 0;
  for (const v of theta) sq += v * v;
  return 0.5 * wd * sq;
}

/** L(θ) = (1/c)·Σ_batches S + ½λ‖θ‖², by forward passes only (batch sums accumulated in float64). */
export function riskValue(risk: EmpiricalRisk, theta: Float64Array): number {
  risk.network.layout.checkLength(theta.length);
  const { engine, theta: scratch } = workspaceFor(risk.network, risk.dtype, risk.engine);
  const th = inDtype(risk, theta, scratch);
  let total = 0;
  for (const batch of risk.batches) total += engine.lossSum(th, batch);
  return total / risk.normalizer + decayValue(risk, theta);
}

/** L(θ) and ∇L(θ) (float64) by one backward pass per batch. */
export function riskValueAndGrad(risk: EmpiricalRisk, theta: Float64Array): { value: number; grad: Float64Array } {
  risk.network.layout.checkLength(theta.length);
  const th = inDtype(risk, theta, workspaceFor(risk.network, risk.dtype, risk.engine).theta);
  let loss = 0;
  const grad = sumOverBatches(risk, (engine, batch, _i, out, scale) => {
    loss += engine.lossAndGrad(th, batch, out, scale);
  }, theta);
  return { value: loss / risk.normalizer + decayValue(risk, theta), grad };
}

/** One batch's scaled curvature product Σᵢ(∂²-like term)·v into `out`, at the operator's θ. */
export type CurvatureBatchProduct = (
  engine: NetworkEngine,
  theta: TypedArray,
  batch: EngineBatch,
  index: number,
  v: TypedArray,
  out: TypedArray,
  options: ProductOptions,
) => void;

/** θ copied into a fresh array of the risk's dtype (rounded once for float32). */
export function riskParams(risk: EmpiricalRisk, theta: Float64Array): TypedArray {
  risk.network.layout.checkLength(theta.length);
  const th = allocate(risk.dtype, theta.length);
  convertInto(theta, th);
  return th;
}

/**
 * A symmetric curvature operator at θ from its per-batch product: Mv = (1/c)·Σ_batches product + λv.
 * The θ-aliasing rule of every operator: θ is copied at construction, so the operator is the matrix
 * at θ as it was then, whatever the caller later does to its array — and with one batch, products
 * after the first skip the forward pass (nothing else writes the copy).
 */
export function riskOperator(risk: EmpiricalRisk, theta: Float64Array, product: CurvatureBatchProduct): LinearOperator {
  return riskOperatorOnCopy(risk, riskParams(risk, theta), product);
}

/**
 * riskOperator on a θ copy the caller made with riskParams and will never write: an operator that
 * needs the network's outputs at θ first (the Fisher's scores) computes them on this same array, so
 * with one batch its first product reuses that forward pass.
 */
export function riskOperatorOnCopy(risk: EmpiricalRisk, th: TypedArray, product: CurvatureBatchProduct): LinearOperator {
  const p = th.length;
  const reuseForward = risk.batches.length === 1;
  return {
    shape: [p, p],
    symmetric: true,
    matvec(v: Float64Array): Float64Array {
      if (v.length !== p) throw new RangeError(`curvature operator of size ${p} applied to a vector of length ${v.length}`);
      const vt = inDtype(risk, v, workspaceFor(risk.network, risk.dtype, risk.engine).v);
      return sumOverBatches(risk, (engine, batch, i, out, scale) => product(engine, th, batch, i, vt, out, { reuseForward, scale }), v);
    },
  };
}

/** The network's outputs on every batch at θ (engine dtype), in batch order. */
export function riskOutputs(risk: EmpiricalRisk, theta: Float64Array): TypedArray[] {
  return riskOutputsOnCopy(risk, riskParams(risk, theta));
}

/** riskOutputs at a riskParams copy of θ (see riskOperatorOnCopy). */
export function riskOutputsOnCopy(risk: EmpiricalRisk, th: TypedArray): TypedArray[] {
  const engine = riskEngine(risk);
  return risk.batches.map((batch) => engine.outputs(th, batch));
}

/**
 * Per batch, each layer's inputs a and errors δ for the output gradient `seed(y, batch)` gives at
 * that batch's outputs y: the statistics K-FAC and per-example gradient moments are built from.
 */
export function riskLayerBackprop(
  risk: EmpiricalRisk,
  theta: Float64Array,
  seed: (outputs: TypedArray, batch: EngineBatch) => TypedArray,
): LayerBackprop[][] {
  const th = riskParams(risk, theta);
  const engine = riskEngine(risk);
  return risk.batches.map((batch) => engine.layerBackprop(th, batch, seed(engine.outputs(th, batch), batch)));
}
