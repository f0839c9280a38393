/** @file fused layer-wise passes of a dense network: loss gradient, Gauss–Newton and Hessian products on typed arrays */
import { gemm, gemmBackend } from "../kernels/backends/backend.js";
import { allocate, ShapeError, type DType, type TypedArray } from "../kernels/ndarray.js";
import { affineActivate, isPiecewiseLinear } from "./fusedActivations.js";
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

/** Options of the curvature products. */
export interface ProductOptions {
  /**
   * Skip the forward pass when the previous pass of this instance ran on the same θ and x arrays:
   * the caller promises neither was modified since (curvature operators own their θ copy).
   */
  readonly reuseForward?: boolean;
  /** Multiplies the product (default 1), applied where the backward pass is seeded: a risk's 1/N costs no pass over θ. */
  readonly scale?: number;
}

/**
 * A dense network prepared for fused passes over batches in one dtype. Every product is a sum over
 * the batch of the un-normalized loss S = Σᵢ ℓᵢ (lossSum's convention), times an optional scale;
 * EmpiricalRisk's reduction (as that scale) and weight decay are applied by the operators in
 * curvature/fusedOperators.ts. Scratch buffers are kept between calls, so repeated products
 * allocate nothing; an instance is not re-entrant.
 *
 * θ, v and outputs are flat vectors in the network's ParamLayout (weights [in, out] row-major, so
 * z = a·W + b and dW = aᵀδ land in θ's layout without a transpose), in the instance's dtype.
 */
export class FusedNetwork {
  private readonly widths: number[];
  private buffers: Buffers | null = null;
  /** What act, d1 (and d2 if `second`) hold now: the forward pass at these θ and x arrays. */
  private forwardOf: { theta: TypedArray; x: TypedArray; rows: number; second: boolean } | null = null;
  private readonly weightOffsets: number[];
  private readonly biasOffsets: number[];

  /** Prepares a network; every activation and loss of src/nn is supported. */
  constructor(
    readonly net: Network,
    readonly dtype: DType,
  ) {
    this.widths = [net.layers[0]!.inputs, ...net.layers.map((l) => l.outputs)];
    this.weightOffsets = net.layers.map((_, l) => net.layout.entry(weightName(l)).offset);
    this.biasOffsets = net.layers.map((_, l) => net.layout.entry(biasName(l)).offset);
  }

  private get depth(): number {
    return this.net.layers.length;
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
    this.check("θ", theta, this.net.layout.size);
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
      this.net.layers.forEach((layer, l) => {
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
      affineActivate(call, this.net.layers[l]!.activation, this.bias(theta, l), b.d1[l]!, hessian ? b.d2[l]! : null);
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
      const second = hessian && !isPiecewiseLinear(this.net.layers[l]!.activation);
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

  /** S = Σᵢ ℓᵢ over the batch and scale·∂S/∂θ written into `grad` (θ's layout). Returns S (unscaled). */
  lossAndGrad(theta: TypedArray, x: TypedArray, t: TypedArray, rows: number, grad: TypedArray, scale = 1): number {
    const b = this.prepare(theta, x, t, rows, false);
    this.check("gradient output", grad, this.net.layout.size);
    this.ensureForward(b, theta, x, rows, false, false);
    const y = b.act[this.depth - 1]!;
    const width = this.widths[this.depth]!;
    const value = lossValueAndGradient(this.net.loss, y, t, rows, width, b.loss, b.g[0], scale);
    this.backward(b, theta, x, rows, grad);
    return value;
  }

  /** S = Σᵢ ℓᵢ over the batch (forward pass only). */
  loss(theta: TypedArray, x: TypedArray, t: TypedArray, rows: number): number {
    const b = this.prepare(theta, x, t, rows, false);
    this.ensureForward(b, theta, x, rows, false, false);
    return lossValue(this.net.loss, b.act[this.depth - 1]!, t, rows, this.widths[this.depth]!, b.loss);
  }

  /**
   * Gv = Jᵀ H_ℓ J v of S (Schraudolph 2002): forward pass, R-forward pass for Jv, the closed-form
   * output Hessian H_ℓ, and one backward pass — five GEMMs per layer (four with `reuseForward`).
   * Writes into `out`.
   */
  ggnProduct(theta: TypedArray, x: TypedArray, t: TypedArray, rows: number, v: TypedArray, out: TypedArray, options: ProductOptions = {}): void {
    const b = this.prepare(theta, x, t, rows, false);
    this.check("v", v, this.net.layout.size);
    this.check("product output", out, this.net.layout.size);
    this.ensureForward(b, theta, x, rows, false, options.reuseForward === true);
    this.rForward(b, theta, v, x, rows, false);
    const width = this.widths[this.depth]!;
    lossGradientAndHessianProduct(this.net.loss, b.act[this.depth - 1]!, t, b.ra[this.depth - 1]!, rows, width, b.loss, null, b.g[0], options.scale);
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
  hessianProduct(theta: TypedArray, x: TypedArray, t: TypedArray, rows: number, v: TypedArray, out: TypedArray, options: ProductOptions = {}): void {
    const b = this.prepare(theta, x, t, rows, true);
    this.check("v", v, this.net.layout.size);
    this.check("product output", out, this.net.layout.size);
    this.ensureForward(b, theta, x, rows, true, options.reuseForward === true);
    this.rForward(b, theta, v, x, rows, true);
    const L = this.depth;
    const width = this.widths[L]!;
    const y = b.act[L - 1]!;
    lossGradientAndHessianProduct(this.net.loss, y, t, b.ra[L - 1]!, rows, width, b.loss, b.g[0], b.rg[0], options.scale);
    let cur = 0;
    for (let l = L - 1; l >= 0; l--) {
      const [din, dout] = [this.widths[l]!, this.widths[l + 1]!];
      const g = b.g[cur]!;
      const rg = b.rg[cur]!;
      backwardStep(g, b.d1[l]!, rg, isPiecewiseLinear(this.net.layers[l]!.activation) ? null : b.p2[l]!, this.bias(out, l), rows, dout);
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
}

/** R{z} = rz + v_b per row, then p2 ← f''(z)⊙R{z} (when d2 is given) and rz ← R{a} = f'(z)⊙R{z}; on the backend when it can. */
function rForwardStep(rz: TypedArray, vb: TypedArray, d1: TypedArray, d2: TypedArray | null, p2: TypedArray | null, rows: number, width: number): void {
  if (gemmBackend().rForwardStep?.(rz, vb, d1, d2, p2, rows, width) === true) return;
  const n = rows * width;
  for (let i = 0, j = 0; i < n; i++, j = j + 1 === width ? 0 : j + 1) {
    const r = rz[i]! + vb[j]!;
    if (d2 !== null && p2 !== null) p2[i] = d2[i]! * r;
    rz[i] = d1[i]! * r;
  }
}

/**
 * The elementwise step of a backward pass, on the backend when it has one: with rg (the R-pass),
 * rg ← rg⊙f'(z) + g⊙f''(z)R{z} (d2 null when f'' ≡ 0), g ← g⊙f'(z), bias ← Σ_rows rg;
 * without, g ← g⊙f'(z) and bias ← Σ_rows g. Column sums accumulate in float64, so float32 bias
 * gradients round once.
 */
function backwardStep(g: TypedArray, d1: TypedArray, rg: TypedArray | null, d2: TypedArray | null, bias: TypedArray, rows: number, width: number): void {
  if (gemmBackend().backwardStep?.(g, d1, rg, d2, bias, rows, width) === true) return;
  const n = rows * width;
  const sumOf = rg ?? g;
  if (rg === null) {
    for (let i = 0; i < n; i++) g[i] = g[i]! * d1[i]!;
  } else if (d2 === null) {
    for (let i = 0; i < n; i++) {
      g[i] = g[i]! * d1[i]!;
      rg[i] = rg[i]! * d1[i]!;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const gi = g[i]!;
      rg[i] = rg[i]! * d1[i]! + gi * d2[i]!;
      g[i] = gi * d1[i]!;
    }
  }
  const acc = new Float64Array(width);
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    for (let j = 0; j < width; j++) acc[j]! += sumOf[o + j]!;
  }
  bias.set(acc);
}
