/** @file the manual backward pass of a dense network: per-layer inputs a and pre-activation errors δ per example */
import { fill, jvp, tensor, type Tensor } from "../autodiff/index.js";
import { matmul } from "../kernels/matmul.js";
import { ndarray } from "../kernels/ndarray.js";
import type { Rng } from "../kernels/random.js";
import { sum } from "../kernels/reduce.js";
import { activate } from "./activations.js";
import { outputGradient, sampleModelTargets, type LossName } from "./losses.js";
import { biasName, forwardTrace, weightName, type Network } from "./network.js";

/** One layer's per-example quantities: inputs a [B, d_in] and δ = ∂(Σℓ)/∂z [B, d_out], row-major. */
export interface LayerBackprop {
  readonly inputs: Float64Array;
  readonly deltas: Float64Array;
  readonly batch: number;
  readonly fanIn: number;
  readonly fanOut: number;
}

/** f'(z) elementwise, as the tangent of the activation along ones (works for every activation). */
function derivative(net: Network, layer: number, z: Tensor): Tensor {
  const act = net.layers[layer]!.activation;
  if (act === "linear") return fill(z.shape, 1, z.dtype);
  return jvp((u) => activate(act, u), [z], [fill(z.shape, 1, z.dtype)])[1];
}

/**
 * The backward pass for a batch x [B, d₀] given δ_out = ∂(Σℓ)/∂y at the network output y [B, d_L]:
 * δ⁽ᴸ⁾ = δ_out ⊙ f'(z⁽ᴸ⁾), δ⁽ˡ⁾ = (δ⁽ˡ⁺¹⁾W⁽ˡ⁺¹⁾ᵀ) ⊙ f'(z⁽ˡ⁾) (Rumelhart et al. 1986). Layer l's
 * weight gradient of case i is the outer product aᵢδᵢᵀ — what K-FAC's factors and per-example
 * gradient statistics are made of. `outputGrad` defaults to the loss gradient at the data targets.
 */
export function backprop(
  net: Network,
  theta: Float64Array,
  inputs: Tensor,
  options: { readonly targets?: Tensor; readonly outputGrad?: (output: Tensor) => Tensor },
): LayerBackprop[] {
  const th = tensor(theta, { dtype: inputs.dtype });
  const trace = forwardTrace(net, th, inputs);
  const grad =
    options.outputGrad !== undefined
      ? options.outputGrad(trace.output)
      : options.targets !== undefined
        ? outputGradient(net.loss, trace.output, options.targets)
        : null;
  if (grad === null) throw new RangeError("backprop: needs targets or an output gradient");
  const L = net.layers.length;
  const deltas: Tensor[] = new Array<Tensor>(L);
  let delta = grad.mul(derivative(net, L - 1, trace.layers[L - 1]!.preActivation));
  deltas[L - 1] = delta;
  for (let l = L - 2; l >= 0; l--) {
    const W = net.layout.tensor(th, weightName(l + 1));
    delta = delta.matmulT(W).mul(derivative(net, l, trace.layers[l]!.preActivation));
    deltas[l] = delta;
  }
  const batch = inputs.shape[0]!;
  return net.layers.map((layer, l) => ({
    inputs: Float64Array.from(trace.layers[l]!.input.data()),
    deltas: Float64Array.from(deltas[l]!.data()),
    batch,
    fanIn: layer.inputs,
    fanOut: layer.outputs,
  }));
}

/**
 * Σᵢ gᵢ⊙gᵢ over the cases of a batch, gᵢ = ∇_θ ℓᵢ, laid out like θ, without forming any gᵢ: per
 * layer the weight part is (a⊙a)ᵀ(δ⊙δ) and the bias part Σᵢ δᵢ⊙δᵢ, since (gᵢ)_{jk} = a_{ij}δ_{ik}.
 */
export function squaredGradientSum(net: Network, layers: readonly LayerBackprop[]): Float64Array {
  const out = new Float64Array(net.layout.size);
  layers.forEach((lb, l) => {
    const { inputs: a, deltas: d, batch, fanIn, fanOut } = lb;
    // Σᵢ (aᵢ ⊗ δᵢ)² = (A⊙A)ᵀ(Δ⊙Δ): one GEMM on the fast backend instead of a triple loop
    const a2 = ndarray(a.map((x) => x * x), [batch, fanIn]);
    const d2 = ndarray(d.map((x) => x * x), [batch, fanOut]);
    net.layout.view(out, weightName(l)).set(matmul(a2, d2, { transA: true }).data);
    net.layout.view(out, biasName(l)).set(sum(d2, [0]).data);
  });
  return out;
}

/**
 * ∂ℓ/∂y at targets drawn from the model's predictive distribution (Martens & Grosse (2015) §5):
 * Bernoulli(σ(y)) for sigmoid CE, Categorical(softmax y) for softmax CE (scaled by each row's target
 * mass), N(y, ½I) for squared error — the distributions whose negative log-likelihoods the losses are,
 * so that E[ssᵀ] is the output Hessian and the sampled Fisher equals the GGN in expectation.
 */
export function sampledOutputGradient(loss: LossName, y: Tensor, targets: Tensor, rng: Rng): Tensor {
  return outputGradient(loss, y, sampleModelTargets(loss, y, targets, rng));
}
