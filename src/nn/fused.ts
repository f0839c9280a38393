/** @file the dense network's engine: fused layer-wise passes for loss, gradient, Gauss–Newton/Fisher and Hessian products on typed arrays */
import { isPiecewiseLinear } from "../kernels/activations.js";
import { affineActivate, backwardStep, gemm, rForwardStep } from "../kernels/backends/backend.js";
import { allocate, ShapeError, type DType, type TypedArray } from "../kernels/ndarray.js";
import type { EngineBatch, LayerBackprop, NetworkEngine, OutputCurvature, ProductOptions } from "./engine.js";
import { lossGradientAndHessianProduct, lossValue, lossValueAndGradient } from "./fusedLosses.js";
import { biasName, weightName, type Network } from "./network.js";

/** Per-layer scratch, sized for `capacity` rows; allocated on first use and reused across calls. */
interface Buffers {
  capacity: number;
  /** a⁽ˡ⁺¹⁾ = f(z⁽ˡ⁾) per layer (the output of layer l), [rows, d_{l+1}]. */
  act: TypedArray[];
  /** f'(z⁽ˡ⁾). */
  d1: TypedArray[];
  /** f''(z⁽ˡ⁾) (Hessian only; null for piecewise-linear layers). */
  d2: (TypedArray | null)[];
  /** f''(z)⊙R{z} from the R-forward pass (Hessian only), kept apart so d2 survives for reuse. */
  p2: (TypedArray | null)[];
  /** R{a⁽ˡ⁺¹⁾} = f'(z)⊙R{z} (Gv, Hv). */
  ra: TypedArray[];
  /** Two ping-pong [rows, max width] buffers each for g = ∂S/∂a and R{g}. */
  g: [TypedArray, TypedArray];
  rg: [TypedArray, TypedArray];
  /** Loss scratch (softmax probabilities), [rows, d_L]. */
  loss: TypedArray;
}

/**
 * The engine of a dense network: the NetworkEngine passes fused layer by layer on the GEMM backend
 * (backprop for the gradient, the R-operator for Jv, Pearlmutter's R{backprop} for Hv). Every
 * product is a sum over the batch of S = Σᵢ ℓᵢ, times an optional scale; the risk's reduction
 * (as that scale) and weight decay are applied once in curvature/. Scratch buffers are kept between
 * calls, so repeated products allocate nothing; an instance is not re-entrant.
 *
 * Weights are [in, out] row-major in θ, so z = a·W + b and dW = aᵀδ land in θ's layout without a
 * transpose.
 */
export class FusedNetwork implements NetworkEngine {
  private readonly widths: number[];
  private buffers: Buffers | null = null;
  /** What act, d1 (and d2 if `second`) hold now: the forward pass at these θ and x arrays. */
  private forwardOf: { theta: TypedArray; x: TypedArray; rows: number; second: boolean } | null = null;
  private readonly weightOffsets: number[];
  private readonly biasOffsets: number[];

  /** Prepares a network; every activation and loss of src/nn is supported. */
  constructor(
    readonly network: Network,
    readonly dtype: DType,
  ) {
    this.widths = [network.layers[0]!.inputs, ...network.layers.map((l) => l.outputs)];
    this.weightOffsets = network.layers.map((_, l) => network.layout.entry(weightName(l)).offset);
    this.biasOffsets = network.layers.map((_, l) => network.layout.entry(biasName(l)).offset);
  }

  private get depth(): number {
    return this.network.layers.length;
  }

  private weight(theta: TypedArray, l: number): TypedArray {
    const off = this.weightOffsets[l]!;
    return theta.subarray(off, off + this.widths[l]! * this.widths[l + 1]!);
  }

  private bias(theta: TypedArray, l: number): TypedArray {
    const off = this.biasOffsets[l]!;
    return theta.subarray(off, off + this.widths[l + 1]!);
  }

  private check(name: string, array: TypedArray, length: number): void {
    const want = this.dtype === "float64" ? Float64Array : Float32Array;
    if (!(array instanceof want)) throw new ShapeError(`FusedNetwork: ${name} must be a ${want.name} (the network's dtype is ${this.dtype})`);
    if (array.length !== length) throw new ShapeError(`FusedNetwork: ${name} has ${array.length} elements, expected ${length}`);
  }

  private prepare(theta: TypedArray, x: TypedArray, t: TypedArray, rows: number, hessian: boolean): Buffers {
    if (!Number.isInteger(rows) || rows < 1) throw new ShapeError(`FusedNetwork: invalid batch size ${rows}`);
    this.check("θ", theta, this.network.layout.size);
    this.check("inputs", x, rows * this.widths[0]!);
    this.check("targets", t, rows * this.widths[this.depth]!);
    let b = this.buffers;
    if (b === null || b.capacity < rows) {
      const maxWidth = Math.max(...this.widths);
      const layer = (): TypedArray[] => this.widths.slice(1).map((w) => allocate(this.dtype, rows * w));
      b = {
        capacity: rows,
        act: layer(),
        d1: layer(),
        d2: this.widths.slice(1).map(() => null),
        p2: this.widths.slice(1).map(() => null),
        ra: [],
        g: [allocate(this.dtype, rows * maxWidth), allocate(this.dtype, rows * maxWidth)],
        rg: [allocate(this.dtype, 0), allocate(this.dtype, 0)],
        loss: allocate(this.dtype, rows * this.widths[this.depth]!),
      };
      this.buffers = b;
      this.forwardOf = null;
    }
    if (hessian) {
      const maxWidth = Math.max(...this.widths);
      if (b.rg[0].length < b.capacity * maxWidth) b.rg = [allocate(this.dtype, b.capacity * maxWidth), allocate(this.dtype, b.capacity * maxWidth)];
      this.network.layers.forEach((layer, l) => {
        if (!isPiecewiseLinear(layer.activation) && b.d2[l] === null) {
          b.d2[l] = allocate(this.dtype, b.capacity * this.widths[l + 1]!);
          b.p2[l] = allocate(this.dtype, b.capacity * this.widths[l + 1]!);
        }
      });
    }
    return b;
  }

  private ensureRa(b: Buffers): void {
    if (b.ra.length === 0) b.ra = this.widths.slice(1).map((w) => allocate(this.dtype, b.capacity * w));
  }

  /** Layer l's input a⁽ˡ⁾ (the data for l = 0). */
  private input(b: Buffers, x: TypedArray, l: number): TypedArray {
    return l === 0 ? x : b.act[l - 1]!;
  }

  /** Forward pass z = a·W + b, a = f(z), keeping a, f'(z) and (for Hessians) f''(z) per layer. */
  private forward(b: Buffers, theta: TypedArray, x: TypedArray, rows: number, hessian: boolean): void {
    for (let l = 0; l < this.depth; l++) {
      const [din, dout] = [this.widths[l]!, this.widths[l + 1]!];
      const out = b.act[l]!;
      const call = { transA: false, transB: false, m: rows, n: dout, k: din, alpha: 1, a: this.input(b, x, l), lda: din, b: this.weight(theta, l), ldb: dout, beta: 0, c: out, ldc: dout };
      affineActivate(call, this.network.layers[l]!.activation, this.bias(theta, l), b.d1[l]!, hessian ? b.d2[l]! : null);
    }
  }

  /**
   * The forward pass, skipped when `reuse` is set and the buffers already hold it for the same θ
   * and x arrays (and rows, and f'' where the Hessian needs it). Curvature operators at a fixed θ
   * apply many products to one batch; only the R-passes depend on v.
   */
  private ensureForward(b: Buffers, theta: TypedArray, x: TypedArray, rows: number, hessian: boolean, reuse: boolean): void {
    const f = this.forwardOf;
    if (reuse && f !== null && f.theta === theta && f.x === x && f.rows === rows && (f.second || !hessian)) return;
    this.forward(b, theta, x, rows, hessian);
    this.forwardOf = { theta, x, rows, second: hessian };
  }

  /**
   * R-forward pass (Pearlmutter 1994): R{z} = R{a}·W + a·V + v_b, R{a'} = f'(z)⊙R{z}, with R{a⁽⁰⁾} = 0.
   * For Hessians, p2 ← f''(z)⊙R{z} — the only way R{z} enters the backward R-pass.
   */
  private rForward(b: Buffers, theta: TypedArray, v: TypedArray, x: TypedArray, rows: number, hessian: boolean): void {
    this.ensureRa(b);
    for (let l = 0; l < this.depth; l++) {
      const [din, dout] = [this.widths[l]!, this.widths[l + 1]!];
      const rz = b.ra[l]!;
      gemm({ transA: false, transB: false, m: rows, n: dout, k: din, alpha: 1, a: this.input(b, x, l), lda: din, b: this.weight(v, l), ldb: dout, beta: 0, c: rz, ldc: dout });
      if (l > 0) gemm({ transA: false, transB: false, m: rows, n: dout, k: din, alpha: 1, a: b.ra[l - 1]!, lda: din, b: this.weight(theta, l), ldb: dout, beta: 1, c: rz, ldc: dout });
      const second = hessian && !isPiecewiseLinear(this.network.layers[l]!.activation);
      rForwardStep(rz, this.bias(v, l), b.d1[l]!, second ? b.d2[l]! : null, second ? b.p2[l]! : null, rows, dout);
    }
  }

  /**
   * Backward pass from g = ∂S/∂a⁽ᴸ⁾ held in b.g[0]: δ⁽ˡ⁾ = g⊙f'(z⁽ˡ⁾), dW = a⁽ˡ⁾ᵀδ⁽ˡ⁾, db = Σ_rows δ⁽ˡ⁾,
   * g ← δ⁽ˡ⁾W⁽ˡ⁾ᵀ (Rumelhart et al. 1986). Writes dW, db into `out` (θ's layout, overwritten).
   */
  private backward(b: Buffers, theta: TypedArray, x: TypedArray, rows: number, out: TypedArray): void {
    let cur = 0;
    for (let l = this.depth - 1; l >= 0; l--) {
      const [din, dout] = [this.widths[l]!, this.widths[l + 1]!];
      const delta = b.g[cur]!;
      backwardStep(delta, b.d1[l]!, null, null, this.bias(out, l), rows, dout);
      gemm({ transA: true, transB: false, m: din, n: dout, k: rows, alpha: 1, a: this.input(b, x, l), lda: din, b: delta, ldb: dout, beta: 0, c: this.weight(out, l), ldc: dout });
      if (l > 0) {
        gemm({ transA: false, transB: true, m: rows, n: din, k: dout, alpha: 1, a: delta, lda: dout, b: this.weight(theta, l), ldb: dout, beta: 0, c: b.g[1 - cur]!, ldc: din });
        cur = 1 - cur;
      }
    }
  }

  /** The forward pass of a batch after checking it (and f'' where the Hessian needs it). */
  private forwardBatch(theta: TypedArray, batch: EngineBatch, hessian: boolean, reuse: boolean): Buffers {
    const b = this.prepare(theta, batch.inputs, batch.targets, batch.rows, hessian);
    this.ensureForward(b, theta, batch.inputs, batch.rows, hessian, reuse);
    return b;
  }

  private get outputWidth(): number {
    return this.widths[this.depth]!;
  }

  /** S = Σᵢ ℓᵢ over the batch and scale·∂S/∂θ written into `grad` (θ's layout). Returns S (unscaled). */
  lossAndGrad(theta: TypedArray, batch: EngineBatch, grad: TypedArray, scale = 1): number {
    this.check("gradient output", grad, this.network.layout.size);
    const b = this.forwardBatch(theta, batch, false, false);
    const y = b.act[this.depth - 1]!;
    const value = lossValueAndGradient(this.network.loss, y, batch.targets, batch.rows, this.outputWidth, b.loss, b.g[0], scale);
    this.backward(b, theta, batch.inputs, batch.rows, grad);
    return value;
  }

  /** S = Σᵢ ℓᵢ over the batch (forward pass only). */
  lossSum(theta: TypedArray, batch: EngineBatch): number {
    const b = this.forwardBatch(theta, batch, false, false);
    return lossValue(this.network.loss, b.act[this.depth - 1]!, batch.targets, batch.rows, this.outputWidth);
  }

  /** The outputs y [rows, d_L], copied out of the scratch. */
  outputs(theta: TypedArray, batch: EngineBatch): TypedArray {
    const b = this.forwardBatch(theta, batch, false, false);
    return b.act[this.depth - 1]!.slice(0, batch.rows * this.outputWidth);
  }

  /**
   * Jᵀ M J v of S: forward pass, R-forward pass for Jv, the middle M applied per case, and one
   * backward pass — five GEMMs per layer (four with `reuseForward`). M = H_ℓ in closed form gives the
   * GGN (Schraudolph 2002); M = mean of s sᵀ gives the Fisher at the same cost. Writes into `out`.
   */
  sandwichProduct(theta: TypedArray, batch: EngineBatch, v: TypedArray, out: TypedArray, middle: OutputCurvature, options: ProductOptions = {}): void {
    this.check("v", v, this.network.layout.size);
    this.check("product output", out, this.network.layout.size);
    const { rows, inputs: x } = batch;
    const b = this.forwardBatch(theta, batch, false, options.reuseForward === true);
    this.rForward(b, theta, v, x, rows, false);
    const jv = b.ra[this.depth - 1]!;
    if (middle.kind === "lossHessian") {
      lossGradientAndHessianProduct(this.network.loss, b.act[this.depth - 1]!, batch.targets, jv, rows, this.outputWidth, b.loss, null, b.g[0], options.scale);
    } else {
      outerProductsTimes(middle.scores, jv, rows, this.outputWidth, options.scale ?? 1, b.g[0]);
    }
    this.backward(b, theta, x, rows, out);
  }

  /**
   * Hv = ∇²S·v by Pearlmutter's (1994) R{backprop}: forward and R-forward passes, then the backward
   * pass and its R-image together, layer by layer:
   *   δ = g⊙f'(z),  R{δ} = R{g}⊙f'(z) + g⊙f''(z)⊙R{z},  R{dW} = R{a}ᵀδ + aᵀR{δ},
   *   g ← δWᵀ,  R{g} ← R{δ}Wᵀ + δVᵀ,
   * starting from g = ∂S/∂y and R{g} = H_ℓ·R{y} at the output. Eight GEMMs per hidden layer
   * (three for the first; one fewer each with `reuseForward`). Writes into `out`.
   */
  hessianProduct(theta: TypedArray, batch: EngineBatch, v: TypedArray, out: TypedArray, options: ProductOptions = {}): void {
    this.check("v", v, this.network.layout.size);
    this.check("product output", out, this.network.layout.size);
    const { rows, inputs: x } = batch;
    const b = this.forwardBatch(theta, batch, true, options.reuseForward === true);
    this.rForward(b, theta, v, x, rows, true);
    const L = this.depth;
    const y = b.act[L - 1]!;
    lossGradientAndHessianProduct(this.network.loss, y, batch.targets, b.ra[L - 1]!, rows, this.outputWidth, b.loss, b.g[0], b.rg[0], options.scale);
    let cur = 0;
    for (let l = L - 1; l >= 0; l--) {
      const [din, dout] = [this.widths[l]!, this.widths[l + 1]!];
      const g = b.g[cur]!;
      const rg = b.rg[cur]!;
      backwardStep(g, b.d1[l]!, rg, isPiecewiseLinear(this.network.layers[l]!.activation) ? null : b.p2[l]!, this.bias(out, l), rows, dout);
      const a = this.input(b, x, l);
      const W = this.weight(out, l);
      gemm({ transA: true, transB: false, m: din, n: dout, k: rows, alpha: 1, a, lda: din, b: rg, ldb: dout, beta: 0, c: W, ldc: dout });
      if (l > 0) gemm({ transA: true, transB: false, m: din, n: dout, k: rows, alpha: 1, a: b.ra[l - 1]!, lda: din, b: g, ldb: dout, beta: 1, c: W, ldc: dout });
      if (l > 0) {
        const next = 1 - cur;
        gemm({ transA: false, transB: true, m: rows, n: din, k: dout, alpha: 1, a: rg, lda: dout, b: this.weight(theta, l), ldb: dout, beta: 0, c: b.rg[next]!, ldc: din });
        gemm({ transA: false, transB: true, m: rows, n: din, k: dout, alpha: 1, a: g, lda: dout, b: this.weight(v, l), ldb: dout, beta: 1, c: b.rg[next]!, ldc: din });
        gemm({ transA: false, transB: true, m: rows, n: din, k: dout, alpha: 1, a: g, lda: dout, b: this.weight(theta, l), ldb: dout, beta: 0, c: b.g[next]!, ldc: din });
        cur = next;
      }
    }
  }

  /** Each layer's inputs a and errors δ = ∂S/∂z for the seed ∂S/∂y = `outputGradient` (float64 copies). */
  layerBackprop(theta: TypedArray, batch: EngineBatch, outputGradient: TypedArray): LayerBackprop[] {
    const { rows, inputs: x } = batch;
    this.check("output gradient", outputGradient, rows * this.outputWidth);
    const b = this.forwardBatch(theta, batch, false, false);
    b.g[0].set(outputGradient);
    const result = new Array<LayerBackprop>(this.depth);
    const biasScratch = allocate(this.dtype, Math.max(...this.widths));
    let cur = 0;
    for (let l = this.depth - 1; l >= 0; l--) {
      const [din, dout] = [this.widths[l]!, this.widths[l + 1]!];
      const delta = b.g[cur]!;
      backwardStep(delta, b.d1[l]!, null, null, biasScratch.subarray(0, dout), rows, dout);
      result[l] = {
        inputs: Float64Array.from(this.input(b, x, l).subarray(0, rows * din)),
        deltas: Float64Array.from(delta.subarray(0, rows * dout)),
        batch: rows,
        fanIn: din,
        fanOut: dout,
      };
      if (l > 0) {
        gemm({ transA: false, transB: true, m: rows, n: din, k: dout, alpha: 1, a: delta, lda: dout, b: this.weight(theta, l), ldb: dout, beta: 0, c: b.g[1 - cur]!, ldc: din });
        cur = 1 - cur;
      }
    }
    return result;
  }
}

/** out ← scale·(1/S)·Σₛ sₛ(sₛ·u) row by row: the Fisher's middle applied to u = Jv, for S score arrays [rows, width]. */
function outerProductsTimes(scores: readonly TypedArray[], u: TypedArray, rows: number, width: number, scale: number, out: TypedArray): void {
  const n = rows * width;
  const weight = scale / scores.length;
  out.fill(0, 0, n);
  for (const s of scores) {
    for (let r = 0; r < rows; r++) {
      const o = r * width;
      let su = 0;
      for (let j = 0; j < width; j++) su += s[o + j]! * u[o + j]!;
      const c = weight * su;
      for (let j = 0; j < width; j++) out[o + j] = out[o + j]! + c * s[o + j]!;
    }
  }
}
