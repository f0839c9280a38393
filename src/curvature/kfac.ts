/** @file K-FAC as a curvature operator: F̂ = blockdiag(Āₗ ⊗ Gₗ) + ηI with its factors and its factored-damped inverse (Martens & Grosse 2015) */
import { checkOperand, type LinearOperator } from "../linalg/linearOperator.js";
import type { Network } from "../nn/index.js";
import type { EmpiricalRisk } from "./empiricalRisk.js";
import {
  factorEigen,
  factoredInverseProduct,
  kfacBlocks,
  kroneckerFactors,
  kroneckerProduct,
  type FactorEigen,
  type KfacBlock,
  type KroneckerFactorOptions,
  type KroneckerFactors,
} from "./kroneckerFactors.js";

/**
 * The block-diagonal Kronecker-factored Fisher of a dense network (Martens & Grosse (2015) §3–4),
 * F̂ = blockdiag(Ā₀ ⊗ G₀, …, Ā_{L−1} ⊗ G_{L−1}) + ηI with η the network's weight decay (added as
 * every other curvature operator adds it). Block l acts on θ[blocks[l].offset, … + rows·cols) read
 * as the row-major [d_in+1, d_out] matrix V = [W; bᵀ]: (Ā ⊗ G)vec(V) = vec(Ā·V·G).
 */
export interface KfacOperator extends LinearOperator {
  /** Per layer: Ā over the inputs with a trailing 1 (bias), and G over the pre-activation errors (see KroneckerFactors). */
  readonly factors: readonly KroneckerFactors[];
  /** Per layer: where its block sits in θ. */
  readonly blocks: readonly KfacBlock[];
  /** The weight decay η included in F̂. */
  readonly weightDecay: number;
  /** The factors' eigendecompositions (computed on the first call, then kept). */
  eigen(): readonly FactorEigen[];
  /**
   * An approximation of (F̂ + λI)⁻¹: per block [(Ā + πγI) ⊗ (G + γ/π I)]⁻¹ with γ = √(λ + η) — the
   * factored Tikhonov damping of §6.3, π the trace-norm balance — applied in the factors'
   * eigenbases (O(d³) per layer once, O(d_in·d_out·(d_in + d_out)) per product). λ + η = 0 gives
   * the undamped inverse, infinite where a factor is singular.
   */
  inverse(damping: number): LinearOperator;
}

/**
 * The factored-damped inverse of §6.3 from the factors' eigendecompositions: per block
 * [(Ā + πγI) ⊗ (G + γ/π I)]⁻¹ with γ = √(damping + η). Shared by the operator and by the K-FAC
 * optimizer, whose eigenbases may be older than its factors (refreshed every T steps).
 */
export function factoredInverse(blocks: readonly KfacBlock[], eigen: readonly FactorEigen[], damping: number, weightDecay: number): LinearOperator {
  const gamma = Math.sqrt(damping + weightDecay);
  if (!(gamma >= 0)) throw new RangeError(`kfac inverse: damping + weight decay must be ≥ 0, got ${damping} + ${weightDecay}`);
  const p = size(blocks);
  const shape = [p, p] as const;
  return {
    shape,
    symmetric: true,
    matvec(v) {
      checkOperand("kfac inverse", shape, v);
      const out = new Float64Array(p);
      blocks.forEach((b, l) => {
        const u = factoredInverseProduct(eigen[l]!, v.subarray(b.offset, b.offset + b.rows * b.cols), gamma);
        out.set(u, b.offset);
      });
      return out;
    },
  };
}

function size(blocks: readonly KfacBlock[]): number {
  const last = blocks[blocks.length - 1]!;
  return last.offset + last.rows * last.cols;
}

/** The K-FAC operator of given factors on a network's θ layout (an optimizer's running averages, say). */
export function kfacFromFactors(net: Network, factors: readonly KroneckerFactors[]): KfacOperator {
  const blocks = kfacBlocks(net);
  if (factors.length !== blocks.length) throw new RangeError(`kfac: ${factors.length} factor pairs for ${blocks.length} layers`);
  blocks.forEach((b, l) => {
    const f = factors[l]!;
    if (f.a.length !== b.rows * b.rows || f.g.length !== b.cols * b.cols) {
      throw new RangeError(`kfac: layer ${l}'s factors are not ${b.rows}×${b.rows} and ${b.cols}×${b.cols}`);
    }
  });
  const p = net.layout.size;
  if (size(blocks) !== p) throw new RangeError("kfac: the layers' blocks do not cover θ");
  const eta = net.weightDecay;
  const shape = [p, p] as const;
  let eigen: readonly FactorEigen[] | undefined;
  const getEigen = (): readonly FactorEigen[] => (eigen ??= factors.map(factorEigen));
  return {
    shape,
    symmetric: true,
    factors,
    blocks,
    weightDecay: eta,
    eigen: getEigen,
    matvec(v) {
      checkOperand("kfac", shape, v);
      const out = new Float64Array(p);
      blocks.forEach((b, l) => {
        out.set(kroneckerProduct(factors[l]!, v.subarray(b.offset, b.offset + b.rows * b.cols), b.rows, b.cols), b.offset);
      });
      for (let j = 0; j < p; j++) out[j]! += eta * v[j]!;
      return out;
    },
    inverse: (damping) => factoredInverse(blocks, getEigen(), damping, eta),
  };
}

/**
 * K-FAC's approximation of the Fisher at θ on a risk's batches (the factors are computed once, at
 * construction, from θ as it is then): MC targets sampled from the model with `seed` as the MC
 * Fisher operator samples them (the default), or the data's targets ("empirical").
 */
export function kfacOperator(risk: EmpiricalRisk, theta: Float64Array, options: KroneckerFactorOptions = {}): KfacOperator {
  risk.network.layout.checkLength(theta.length);
  return kfacFromFactors(risk.network, kroneckerFactors(risk, theta, options));
}
