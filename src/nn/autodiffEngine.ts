/** @file the generic engine: every NetworkEngine pass by Tensor autodiff — the reference the fused engine is tested against */
import { fill, fromNDArray, hvp, jvp, type Tensor, valueAndGrad, vjp } from "../autodiff/index.js";
import { allocate, ShapeError, type DType, type TypedArray } from "../kernels/ndarray.js";
import { activate } from "./activations.js";
import type { EngineBatch, LayerBackprop, NetworkEngine, OutputCurvature, ProductOptions } from "./engine.js";
import { lossSum, outputHessianProduct } from "./losses.js";
import { forward, forwardTrace, weightName, type Network } from "./network.js";

/**
 * The passes of a network written with Tensor ops and the autodiff transforms (grad, jvp, vjp,
 * hvp = jvp∘grad): slower than the fused engine but independent of it, so the two check each other.
 */
export class AutodiffEngine implements NetworkEngine {
  constructor(
    readonly network: Network,
    readonly dtype: DType,
  ) {}

  private tensor(data: TypedArray, shape: readonly number[]): Tensor {
    const want = this.dtype === "float64" ? Float64Array : Float32Array;
    if (!(data instanceof want)) throw new ShapeError(`AutodiffEngine: arrays must be ${want.name} (the engine's dtype is ${this.dtype})`);
    return fromNDArray({ shape: [...shape], dtype: this.dtype, data });
  }

  private params(theta: TypedArray): Tensor {
    this.network.layout.checkLength(theta.length);
    return this.tensor(theta, [theta.length]);
  }

  private io(batch: EngineBatch): { x: Tensor; t: Tensor } {
    const layers = this.network.layers;
    return {
      x: this.tensor(batch.inputs, [batch.rows, layers[0]!.inputs]),
      t: this.tensor(batch.targets, [batch.rows, layers[layers.length - 1]!.outputs]),
    };
  }

  private lossOf(batch: EngineBatch): (theta: Tensor) => Tensor {
    const { x, t } = this.io(batch);
    return (theta) => lossSum(this.network.loss, forward(this.network, theta, x), t);
  }

  /** out ← scale·product (out is in the engine's dtype). */
  private write(out: TypedArray, product: Tensor, scale: number | undefined): void {
    const d = product.data();
    const s = scale ?? 1;
    for (let i = 0; i < out.length; i++) out[i] = s * d[i]!;
  }

  lossSum(theta: TypedArray, batch: EngineBatch): number {
    return this.lossOf(batch)(this.params(theta)).item();
  }

  lossAndGrad(theta: TypedArray, batch: EngineBatch, grad: TypedArray, scale?: number): number {
    const [value, g] = valueAndGrad(this.lossOf(batch))(this.params(theta));
    this.write(grad, g, scale);
    return value.item();
  }

  outputs(theta: TypedArray, batch: EngineBatch): TypedArray {
    const y = forward(this.network, this.params(theta), this.io(batch).x).data();
    const out = allocate(this.dtype, y.length);
    out.set(y);
    return out;
  }

  sandwichProduct(theta: TypedArray, batch: EngineBatch, v: TypedArray, out: TypedArray, middle: OutputCurvature, options: ProductOptions = {}): void {
    const { x, t } = this.io(batch);
    const th = this.params(theta);
    const model = (p: Tensor): Tensor => forward(this.network, p, x);
    const [y, jv] = jvp(model, [th], [this.params(v)]);
    let m: Tensor;
    if (middle.kind === "lossHessian") m = outputHessianProduct(this.network.loss, y, t, jv);
    else {
      // (1/S)·Σₛ sₛ (sₛ·Jv) per case
      const terms = middle.scores.map((sd) => {
        const s = this.tensor(sd, y.shape);
        return s.mul(s.mul(jv).sum([1], true));
      });
      m = terms.reduce((a, b) => a.add(b)).mul(1 / terms.length);
    }
    this.write(out, vjp(model, [th]).pullback(m)[0]!, options.scale);
  }

  hessianProduct(theta: TypedArray, batch: EngineBatch, v: TypedArray, out: TypedArray, options: ProductOptions = {}): void {
    this.write(out, hvp(this.lossOf(batch), this.params(theta), this.params(v)), options.scale);
  }

  /**
   * δ⁽ᴸ⁾ = ∂S/∂y ⊙ f'(z⁽ᴸ⁾), δ⁽ˡ⁾ = (δ⁽ˡ⁺¹⁾W⁽ˡ⁺¹⁾ᵀ) ⊙ f'(z⁽ˡ⁾) (Rumelhart et al. 1986), with f'(z) as
   * the tangent of the activation along ones (so every activation works without its own rule here).
   */
  layerBackprop(theta: TypedArray, batch: EngineBatch, outputGradient: TypedArray): LayerBackprop[] {
    const net = this.network;
    const th = this.params(theta);
    const trace = forwardTrace(net, th, this.io(batch).x);
    const slope = (l: number): Tensor => {
      const z = trace.layers[l]!.preActivation;
      return jvp((u) => activate(net.layers[l]!.activation, u), [z], [fill(z.shape, 1, z.dtype)])[1];
    };
    const L = net.layers.length;
    const deltas = new Array<Tensor>(L);
    let delta = this.tensor(outputGradient, trace.output.shape).mul(slope(L - 1));
    deltas[L - 1] = delta;
    for (let l = L - 2; l >= 0; l--) {
      delta = delta.matmulT(net.layout.tensor(th, weightName(l + 1))).mul(slope(l));
      deltas[l] = delta;
    }
    return net.layers.map((layer, l) => ({
      inputs: Float64Array.from(trace.layers[l]!.input.data()),
      deltas: Float64Array.from(deltas[l]!.data()),
      batch: batch.rows,
      fanIn: layer.inputs,
      fanOut: layer.outputs,
    }));
  }
}
