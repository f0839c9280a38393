/** @file losses with PyTorch's default reductions, their per-example sums, and closed-form output Hessians */
import type { Tensor } from "../autodiff/index.js";
import { formatShape, ShapeError, sameShape } from "../kernels/ndarray.js";

/** Loss names as written in model files' `loss` metadata. */
export const LOSSES = ["mse", "sigmoid_cross_entropy", "softmax_cross_entropy"] as const;

/** One of LOSSES. */
export type LossName = (typeof LOSSES)[number];

/** How per-element losses combine: PyTorch's "mean" default, or "sum". */
export type Reduction = "mean" | "sum";

/** Whether a string names a known loss. */
export function isLoss(name: string): name is LossName {
  return (LOSSES as readonly string[]).includes(name);
}

/**
 * The un-normalized loss Σᵢ ℓᵢ over a batch of outputs z [B, d] and targets t [B, d]:
 * - mse: Σ (z − t)² (MSELoss)
 * - sigmoid_cross_entropy: Σ softplus(z) − t·z, z the logits (BCEWithLogitsLoss)
 * - softmax_cross_entropy: −Σ t·log softmax(z) over classes (CrossEntropyLoss, probability targets)
 */
export function lossSum(name: LossName, z: Tensor, t: Tensor): Tensor {
  checkPair(name, z, t);
  switch (name) {
    case "mse":
      return z.sub(t).square().sum();
    case "sigmoid_cross_entropy":
      // = t·softplus(−z) + (1 − t)·softplus(z): two non-negative terms, so a tiny loss is not the
      // difference of softplus(z) ≈ |z| and t·z (which cancels to 0 in float32 at |z| ≈ 17)
      return t.mul(z.neg().softplus()).add(t.neg().add(1).mul(z.softplus())).sum();
    case "softmax_cross_entropy":
      return z.logSoftmax(1).mul(t).sum().neg();
  }
}

/**
 * The divisor that turns lossSum into the reduced loss for a data set of `cases` rows of `width`
 * outputs: PyTorch's mean is over all elements for mse and BCE, over cases for cross-entropy.
 * Summing lossSum over batches and dividing once keeps the reduction exact for unequal batches.
 */
export function lossNormalizer(name: LossName, reduction: Reduction, cases: number, width: number): number {
  if (reduction === "sum") return 1;
  return name === "softmax_cross_entropy" ? cases : cases * width;
}

/**
 * H_ℓ·u: the Hessian of lossSum with respect to the outputs z, applied to u (rows independent):
 * mse 2u; sigmoid CE σ(z)(1−σ(z))⊙u; softmax CE (Σt)·(p⊙u − p·(pᵀu)) with p = softmax(z).
 * Closed forms: exact, symmetric PSD, and far cheaper than differentiating the loss twice.
 */
export function outputHessianProduct(name: LossName, z: Tensor, t: Tensor, u: Tensor): Tensor {
  checkPair(name, z, t);
  switch (name) {
    case "mse":
      return u.mul(2);
    case "sigmoid_cross_entropy": {
      const s = z.sigmoid();
      return u.mul(s.mul(s.neg().add(1)));
    }
    case "softmax_cross_entropy": {
      const p = z.softmax(1);
      const pu = p.mul(u).sum([1], true);
      return p.mul(u).sub(p.mul(pu)).mul(t.sum([1], true));
    }
  }
}

/** ∂(lossSum)/∂z per element: the back-propagated output error δ⁽ᴸ⁾. */
export function outputGradient(name: LossName, z: Tensor, t: Tensor): Tensor {
  checkPair(name, z, t);
  switch (name) {
    case "mse":
      return z.sub(t).mul(2);
    case "sigmoid_cross_entropy":
      return z.sigmoid().sub(t);
    case "softmax_cross_entropy":
      return z.softmax(1).mul(t.sum([1], true)).sub(t);
  }
}

function checkPair(name: string, z: Tensor, t: Tensor): void {
  if (z.rank !== 2 || !sameShape(z.shape, t.shape)) {
    throw new ShapeError(`${name}: outputs ${formatShape(z.shape)} and targets ${formatShape(t.shape)} must be the same [batch, width]`);
  }
}
