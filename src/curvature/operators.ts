/** @file the curvature matrices as linear operators that never form the matrix: Hessian, GGN, Fisher */
import type { TypedArray } from "../kernels/ndarray.js";
import { Rng } from "../kernels/random.js";
import type { LinearOperator } from "../linalg/linearOperator.js";
import type { OutputCurvature } from "../nn/engine.js";
import { outputScores, sampledScores } from "../nn/outputScores.js";
import type { EmpiricalRisk } from "./empiricalRisk.js";
import { kfacOperator } from "./kfac.js";
import { riskOperator, riskOperatorOnCopy, riskOutputsOnCopy, riskParams } from "./riskLoop.js";

/** Which curvature matrix. */
export type CurvatureKind = "hessian" | "ggn" | "fisher" | "kfac";

/** The curvature kinds, for flag parsing. */
export const CURVATURE_KINDS: readonly CurvatureKind[] = ["hessian", "ggn", "fisher", "kfac"];

/**
 * H = ∇²L(θ), by the risk's engine: Pearlmutter's R{backprop} on a dense network (forward-over-
 * reverse autodiff on the generic engine). θ is copied at construction, as for every operator.
 */
export function hessianOperator(risk: EmpiricalRisk, theta: Float64Array): LinearOperator {
  return riskOperator(risk, theta, (engine, th, batch, _i, v, out, options) => engine.hessianProduct(th, batch, v, out, options));
}

/** Jᵀ·M·J (+ λI) at a riskParams copy of θ, with one output curvature M per batch. */
function sandwichOperator(risk: EmpiricalRisk, th: TypedArray, middle: (batch: number) => OutputCurvature): LinearOperator {
  return riskOperatorOnCopy(risk, th, (engine, at, batch, i, v, out, options) => engine.sandwichProduct(at, batch, v, out, middle(i), options));
}

const LOSS_HESSIAN: OutputCurvature = { kind: "lossHessian" };

/**
 * The generalized Gauss–Newton G = Jᵀ H_ℓ J (Schraudolph 2002; Martens 2010 §4.2), split at the
 * model output (the logits for the cross-entropy losses): v → Jv (R-forward) → H_ℓJv (closed form)
 * → JᵀH_ℓJv (backward). Symmetric PSD whatever θ is.
 */
export function ggnOperator(risk: EmpiricalRisk, theta: Float64Array): LinearOperator {
  return sandwichOperator(risk, riskParams(risk, theta), () => LOSS_HESSIAN);
}

/** Options of fisherOperator. */
export interface FisherOptions {
  /** "empirical": data targets; "mc": targets sampled from the model's predictive distribution. */
  readonly type: "empirical" | "mc";
  /** Seed of the Monte-Carlo targets (drawn once, so the operator is a fixed matrix; default 0). */
  readonly seed?: number;
  /** Monte-Carlo samples per case (default 1). */
  readonly samples?: number;
}

/**
 * The Fisher F = (1/c)·Σᵢ ∇ℓᵢ∇ℓᵢᵀ (+ λI for decay), computed as Jᵀ(s sᵀ)Jv per case with
 * s = ∂ℓᵢ/∂z: the GGN's sandwich with another middle, at the GGN's cost. With "mc", targets are drawn
 * from the model's own distribution — Bernoulli(σ(z)), Categorical(softmax z), or N(z, ½I) for
 * squared error (the Gaussian whose negative log-likelihood is (z−t)²) — so that E[F] equals the GGN
 * exactly; "empirical" uses the data's targets (Kunstner et al. 2019 explain why that one is a
 * poorer curvature model).
 */
export function fisherOperator(risk: EmpiricalRisk, theta: Float64Array, options: FisherOptions): LinearOperator {
  const loss = risk.network.loss;
  const width = risk.network.layers[risk.network.layers.length - 1]!.outputs;
  const samples = options.type === "mc" ? Math.max(1, Math.trunc(options.samples ?? 1)) : 1;
  // per batch, per sample: the output gradients s, fixed at construction
  const rng = new Rng(options.seed ?? 0);
  const th = riskParams(risk, theta);
  const outputs = riskOutputsOnCopy(risk, th);
  const middles: OutputCurvature[] = risk.batches.map((batch, i) => {
    const y = outputs[i]!;
    const scoresOf = (): typeof y =>
      options.type === "empirical" ? outputScores(loss, y, batch.targets, batch.rows, width) : sampledScores(loss, y, batch.targets, batch.rows, width, rng);
    const scores = Array.from({ length: samples }, scoresOf);
    return { kind: "outerProducts", scores };
  });
  return sandwichOperator(risk, th, (i) => middles[i]!);
}

/**
 * The operator of a given kind at θ on the risk's engine (the MC Fisher with seed 0 unless options
 * say otherwise), or K-FAC's Kronecker-factored approximation of that Fisher (same targets; see kfac.ts).
 */
export function curvatureOperator(
  risk: EmpiricalRisk,
  theta: Float64Array,
  kind: CurvatureKind,
  fisher: FisherOptions = { type: "mc", seed: 0 },
): LinearOperator {
  switch (kind) {
    case "hessian":
      return hessianOperator(risk, theta);
    case "ggn":
      return ggnOperator(risk, theta);
    case "fisher":
      return fisherOperator(risk, theta, fisher);
    case "kfac":
      return kfacOperator(risk, theta, fisher);
  }
}
