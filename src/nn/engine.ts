/** @file the per-batch passes a model supplies to every risk quantity: the contract of the one engine route */
import type { DType, TypedArray } from "../kernels/ndarray.js";
import type { Network } from "./network.js";

/** One batch in the engine's dtype: inputs [rows, d₀] and targets [rows, d_L], row-major. */
export interface EngineBatch {
  readonly inputs: TypedArray;
  readonly targets: TypedArray;
  readonly rows: number;
}

/** Options of the curvature products. */
export interface ProductOptions {
  /**
   * Skip the forward pass when the previous pass of this engine ran on the same θ and input arrays:
   * the caller promises neither was modified since (curvature operators own their θ copy).
   */
  readonly reuseForward?: boolean;
  /** Multiplies the product (default 1), applied where the backward pass is seeded: a risk's 1/c costs no pass over θ. */
  readonly scale?: number;
}

/**
 * The middle M of a sandwich Jᵀ M J v, per case: the loss's output Hessian H_ℓ (the GGN), or the
 * mean of outer products s sᵀ over given output gradients s (the Fisher: MC-sampled or empirical
 * targets). `scores` holds one [rows, d_L] array per sample, in the engine's dtype.
 */
export type OutputCurvature =
  | { readonly kind: "lossHessian" }
  | { readonly kind: "outerProducts"; readonly scores: readonly TypedArray[] };

/** One layer's per-case quantities: inputs a [rows, d_in] and δ = ∂S/∂z [rows, d_out], row-major, float64. */
export interface LayerBackprop {
  readonly inputs: Float64Array;
  readonly deltas: Float64Array;
  readonly batch: number;
  readonly fanIn: number;
  readonly fanOut: number;
}

/**
 * What a model supplies per batch, in the un-normalized loss S = Σᵢ ℓᵢ of that batch (lossSum's
 * convention): the risk in curvature/ sums these over batches, divides by its normalizer and adds
 * weight decay — once, for every engine. θ, v and outputs are flat vectors in the network's
 * ParamLayout, in the engine's dtype. An engine keeps scratch between calls and is not re-entrant.
 */
export interface NetworkEngine {
  readonly network: Network;
  readonly dtype: DType;
  /** S (forward pass only), summed in float64. */
  lossSum(theta: TypedArray, batch: EngineBatch): number;
  /** S, with grad ← scale·∂S/∂θ. */
  lossAndGrad(theta: TypedArray, batch: EngineBatch, grad: TypedArray, scale?: number): number;
  /** The network's outputs y [rows, d_L] (the logits for the cross-entropy losses), a fresh array. */
  outputs(theta: TypedArray, batch: EngineBatch): TypedArray;
  /** out ← scale·Jᵀ M J v, with J = ∂y/∂θ and M the given output curvature. */
  sandwichProduct(theta: TypedArray, batch: EngineBatch, v: TypedArray, out: TypedArray, middle: OutputCurvature, options?: ProductOptions): void;
  /** out ← scale·∇²S·v. */
  hessianProduct(theta: TypedArray, batch: EngineBatch, v: TypedArray, out: TypedArray, options?: ProductOptions): void;
  /**
   * The backward pass seeded with ∂S/∂y = `outputGradient` [rows, d_L]: each layer's inputs a and
   * errors δ, whose per-case outer products aᵢδᵢᵀ are the weight gradients (K-FAC's factors and
   * per-example gradient statistics are made of them).
   */
  layerBackprop(theta: TypedArray, batch: EngineBatch, outputGradient: TypedArray): LayerBackprop[];
}
