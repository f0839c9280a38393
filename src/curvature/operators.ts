/** @file the curvature matrices as linear operators that never form the matrix: Hessian, GGN, Fisher */
import { hvp, jvp, tensor, type Tensor, vjp } from "../autodiff/index.js";
import { Rng } from "../kernels/random.js";
import type { LinearOperator } from "../linalg/linearOperator.js";
import { forward, outputGradient, outputHessianProduct, sampleModelTargets } from "../nn/index.js";
import { batchLossSum, paramsTensor, type EmpiricalRisk, type RiskBatch } from "./empiricalRisk.js";
import { fusedGgnOperator, fusedHessianOperator } from "./fusedOperators.js";
import { kfacOperator } from "./kfac.js";

/** Which curvature matrix. */
export type CurvatureKind = "hessian" | "ggn" | "fisher" | "kfac";

/** The curvature kinds, for flag parsing. */
export const CURVATURE_KINDS: readonly CurvatureKind[] = ["hessian", "ggn", "fisher", "kfac"];

/** Builds one operator at θ from its per-batch product (summed, divided by c, plus λ·v for decay). */
function riskOperator(
  risk: EmpiricalRisk,
  theta: Float64Array,
  batchProduct: (th: Tensor, batch: RiskBatch, index: number, v: Tensor) => Tensor,
): LinearOperator {
  const th = paramsTensor(risk, theta);
  const p = theta.length;
  const wd = risk.network.weightDecay;
  return {
    shape: [p, p],
    symmetric: true,
    matvec(v: Float64Array): Float64Array {
      if (v.length !== p) throw new RangeError(`curvature operator of size ${p} applied to a vector of length ${v.length}`);
      const vt = tensor(v, { dtype: risk.dtype });
      const out = new Float64Array(p);
      risk.batches.forEach((batch, i) => {
        const d = batchProduct(th, batch, i, vt).data();
        for (let j = 0; j < p; j++) out[j]! += d[j]!;
      });
      for (let j = 0; j < p; j++) out[j] = out[j]! / risk.normalizer + wd * v[j]!;
      return out;
    },
  };
}

/** H = ∇²L(θ): each product is forward-over-reverse (jvp of the gradient) per batch. */
export function hessianOperator(risk: EmpiricalRisk, theta: Float64Array): LinearOperator {
  return riskOperator(risk, theta, (th, batch, _i, v) => hvp(batchLossSum(risk, batch), th, v));
}

/** Jᵀ·M·J·v for one batch, M applied per output row by `middle(z, Jv)`. */
function sandwich(risk: EmpiricalRisk, th: Tensor, batch: RiskBatch, v: Tensor, middle: (z: Tensor, jv: Tensor) => Tensor): Tensor {
  const model = (t: Tensor): Tensor => forward(risk.network, t, batch.inputs);
  const [z, jv] = jvp(model, [th], [v]);
  return vjp(model, [th]).pullback(middle(z, jv))[0]!;
}

/**
 * The generalized Gauss–Newton G = Jᵀ H_ℓ J (Schraudolph 2002; Martens 2010 §4.2), split at the
 * model output (the logits for the cross-entropy losses): v → Jv (jvp) → H_ℓJv (closed form) → JᵀH_ℓJv (vjp).
 * Symmetric PSD whatever θ is.
 */
export function ggnOperator(risk: EmpiricalRisk, theta: Float64Array): LinearOperator {
  const loss = risk.network.loss;
  return riskOperator(risk, theta, (th, batch, _i, v) =>
    sandwich(risk, th, batch, v, (z, jv) => outputHessianProduct(loss, z, batch.targets, jv)),
  );
}

/** Options of fisherOperator. */
export interface FisherOptions {
  /** "empirical": data targets; "mc": targets sampled from the model's predictive distribution. */
  readonly type: "empirical" | "mc";
  /** Seed of the Monte-Carlo targets (drawn once, so the operator is a fixed matrix). */
  readonly seed?: number;
  /** Monte-Carlo samples per case (default 1). */
  readonly samples?: number;
}

/**
 * The Fisher F = (1/c)·Σᵢ ∇ℓᵢ∇ℓᵢᵀ (+ λI for decay), computed as Jᵀ(s sᵀ)Jv per case with s = ∂ℓᵢ/∂z.
 * With "mc", targets are drawn from the model's own distribution — Bernoulli(σ(z)), Categorical
 * (softmax z), or N(z, ½I) for squared error (the Gaussian whose negative log-likelihood is (z−t)²)
 * — so that E[F] equals the GGN exactly; "empirical" uses the data's targets (Kunstner et al. 2019
 * explain why that one is a poorer curvature model).
 */
export function fisherOperator(risk: EmpiricalRisk, theta: Float64Array, options: FisherOptions): LinearOperator {
  const loss = risk.network.loss;
  const samples = options.type === "mc" ? Math.max(1, Math.trunc(options.samples ?? 1)) : 1;
  const th = paramsTensor(risk, theta);
  // per batch, per sample: the output gradients s (fixed at construction)
  const rng = new Rng(options.seed ?? 0);
  const scores: Tensor[][] = risk.batches.map((batch) => {
    const z = forward(risk.network, th, batch.inputs);
    if (options.type === "empirical") return [outputGradient(loss, z, batch.targets)];
    return Array.from({ length: samples }, () => outputGradient(loss, z, sampleModelTargets(loss, z, batch.targets, rng)));
  });
  return riskOperator(risk, theta, (thv, batch, i, v) =>
    sandwich(risk, thv, batch, v, (_z, jv) => {
      let acc: Tensor | null = null;
      for (const s of scores[i]!) {
        const term = s.mul(s.mul(jv).sum([1], true));
        acc = acc === null ? term : acc.add(term);
      }
      return samples === 1 ? acc! : acc!.mul(1 / samples);
    }),
  );
}

/**
 * The operator of a given kind at θ, by the fastest exact route: the fused dense-network passes for
 * H and G (checked against hessianOperator/ggnOperator, the generic-autodiff references, to 1e-12),
 * the generic sandwich for the Fisher (MC with seed 0 unless options say otherwise), and K-FAC's
 * Kronecker-factored approximation of that Fisher (same targets; see kfac.ts).
 */
export function curvatureOperator(
  risk: EmpiricalRisk,
  theta: Float64Array,
  kind: CurvatureKind,
  fisher: FisherOptions = { type: "mc", seed: 0 },
): LinearOperator {
  switch (kind) {
    case "hessian":
      return fusedHessianOperator(risk, theta);
    case "ggn":
      return fusedGgnOperator(risk, theta);
    case "fisher":
      return fisherOperator(risk, theta, fisher);
    case "kfac":
      return kfacOperator(risk, theta, fisher);
  }
}
