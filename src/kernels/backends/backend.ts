/** @file the GEMM backend interface, the call checks every backend relies on, and the active-backend registry */
import { activationCode, type ActivationCode, type ActivationName } from "../activations.js";
import { ShapeError, type TypedArray } from "../ndarray.js";
import { portableBackend } from "./portable.js";

/**
 * One BLAS-style product C ← α·op(A)·op(B) + β·C on row-major matrices: op(A) is [m, k], op(B) is
 * [k, n], C is [m, n]; lda/ldb/ldc are row strides in elements, so sub-matrices need no copy.
 * A, B and C share one element type. With β = 0, C is never read (NaNs in it do not propagate).
 */
export interface GemmCall {
  readonly transA: boolean;
  readonly transB: boolean;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly alpha: number;
  readonly a: TypedArray;
  readonly lda: number;
  readonly b: TypedArray;
  readonly ldb: number;
  readonly beta: number;
  readonly c: TypedArray;
  readonly ldc: number;
}

/** What a Hessian pass asks of sigmoid cross-entropy besides its gradient: out ← scale·H_ℓ·u, H_ℓ = diag σ(y)σ(−y). */
export interface SigmoidCeHessian {
  readonly u: TypedArray;
  readonly out: TypedArray;
  readonly scale: number;
}

/**
 * The elementwise layer steps of the fused dense passes, over row-major rows × width matrices in
 * one element type. Every backend has all of them: what it does not accelerate (an activation,
 * an element type) it hands to the portable TypeScript (portableLayerSteps.ts), so callers make one
 * call and never fall back themselves.
 */
export interface LayerSteps {
  /**
   * The layer epilogue: for each row, z = c + bias, then c ← f(z), d1 ← f′(z) and, when d2 is
   * given, d2 ← f″(z), for the activation of that code (kernels/activations.ts).
   */
  activate(activation: ActivationCode, c: TypedArray, bias: TypedArray, d1: TypedArray, d2: TypedArray | null, rows: number, width: number): void;
  /**
   * C ← f(op(A)·op(B) + bias), with d1 and d2 as `activate` writes them, for a checked call with
   * α = 1, β = 0 and ldc = n: fused (without a second pass over C) where the backend can, else
   * gemm then activate.
   */
  gemmActivate(call: GemmCall, activation: ActivationCode, bias: TypedArray, d1: TypedArray, d2: TypedArray | null): void;
  /**
   * The backward-pass step: with rg, rg ← rg⊙d1 + g⊙d2 (d2 null: no second term), g ← g⊙d1 and
   * bias ← Σ_rows rg; without rg, g ← g⊙d1 and bias ← Σ_rows g. Column sums accumulate in float64.
   */
  backwardStep(g: TypedArray, d1: TypedArray, rg: TypedArray | null, d2: TypedArray | null, bias: TypedArray, rows: number, width: number): void;
  /** The R-forward step per row: r = rz + vb; p2 ← d2⊙r (when d2 and p2 are given); rz ← d1⊙r. */
  rForwardStep(rz: TypedArray, vb: TypedArray, d1: TypedArray, d2: TypedArray | null, p2: TypedArray | null, rows: number, width: number): void;
  /**
   * Sigmoid cross-entropy from logits over n elements: returns Σ softplus(y) − t·y and writes
   * grad ← σ(y) − t and, for the Hessian passes, hessian.out ← scale·σ(y)σ(−y)⊙u.
   */
  sigmoidCrossEntropy(y: TypedArray, t: TypedArray, grad: TypedArray, hessian: SigmoidCeHessian | null, n: number): number;
  /** dst ← src between Float64Array and Float32Array of equal length (θ-sized vectors each product). */
  convert(src: TypedArray, dst: TypedArray): void;
}

/** A matrix-product implementation with its layer steps: portable TypeScript, WebAssembly, native addon, or a test reference. */
export interface GemmBackend extends LayerSteps {
  /** A short name for reports, e.g. "portable-ts" or "native-avx2". */
  readonly name: string;
  /** Threads one product may use. */
  readonly threads: number;
  /** Computes the product in place in `call.c`; the call has already been checked. */
  gemm(call: GemmCall): void;
  /** Resolves once helper threads that start asynchronously are up (benchmarks wait, so they time the threaded path). */
  readonly whenReady?: () => Promise<void>;
  /** The same backend limited to some number of threads, where it can vary them (for scaling runs). */
  readonly withThreads?: (threads: number) => GemmBackend;
}

/** Elements a row-major r×c matrix with row stride ld spans (0 when empty). */
function span(rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}

/** Elements of A, B and C a call touches, given its row strides (op(A) is [m, k] read from A as stored). */
export function gemmSpans(call: GemmCall): { readonly a: number; readonly b: number; readonly c: number } {
  const { transA, transB, m, n, k, lda, ldb, ldc } = call;
  return { a: transA ? span(k, m, lda) : span(m, k, lda), b: transB ? span(n, k, ldb) : span(k, n, ldb), c: span(m, n, ldc) };
}

/**
 * Throws a ShapeError unless a call is well-formed: integer sizes, strides ≥ row widths, one element
 * type, and every operand long enough. Native backends trust these checks, so they are not optional.
 */
export function checkGemmCall(call: GemmCall): void {
  const { transA, transB, m, n, k, a, lda, b, ldb, c, ldc } = call;
  for (const [name, v] of [["m", m], ["n", n], ["k", k], ["lda", lda], ["ldb", ldb], ["ldc", ldc]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new ShapeError(`gemm: ${name} must be a non-negative integer, got ${v}`);
  }
  const sameType = a instanceof Float64Array ? b instanceof Float64Array && c instanceof Float64Array : b instanceof Float32Array && c instanceof Float32Array;
  if (!sameType) throw new ShapeError("gemm: A, B and C must all be Float32Array or all Float64Array");
  const aCols = transA ? m : k;
  const bCols = transB ? k : n;
  if (lda < aCols || ldb < bCols || ldc < n) throw new ShapeError(`gemm: a row stride is smaller than its row (lda ${lda}, ldb ${ldb}, ldc ${ldc})`);
  const need = gemmSpans(call);
  if (a.length < need.a) throw new ShapeError(`gemm: A has ${a.length} elements, needs ${need.a}`);
  if (b.length < need.b) throw new ShapeError(`gemm: B has ${b.length} elements, needs ${need.b}`);
  if (c.length < need.c) throw new ShapeError(`gemm: C has ${c.length} elements, needs ${need.c}`);
}

let active: GemmBackend = portableBackend;

/** The backend every matmul and fused pass uses now (portable TypeScript unless one was installed). */
export function gemmBackend(): GemmBackend {
  return active;
}

/**
 * Installs a backend for every later product and returns the previous one (so tests can restore it).
 * Node entry points install the native backend here; browsers keep the portable one.
 */
export function setGemmBackend(backend: GemmBackend): GemmBackend {
  const previous = active;
  active = backend;
  return previous;
}

/** dst ← src (equal lengths, float32/float64 either way) on the active backend. */
export function convertInto(src: TypedArray, dst: TypedArray): void {
  if (src.length !== dst.length) throw new ShapeError(`convertInto: ${src.length} elements into ${dst.length}`);
  active.convert(src, dst);
}

/**
 * A dense layer's forward step: C ← f(op(A)·op(B) + bias) with f′, f″ into d1, d2 (the call's α
 * must be 1, β 0 and ldc = n), fused on the active backend where it can; after checking the call.
 */
export function affineActivate(call: GemmCall, activation: ActivationName, bias: TypedArray, d1: TypedArray, d2: TypedArray | null): void {
  checkGemmCall(call);
  if (call.alpha !== 1 || call.beta !== 0 || call.ldc !== call.n) throw new ShapeError("affineActivate: the call must have α = 1, β = 0 and ldc = n");
  if (call.m === 0 || call.n === 0) return;
  active.gemmActivate(call, activationCode(activation), bias, d1, d2);
}

/** c ← f(c + bias) per row with d1 ← f′ (LayerSteps.activate, no f″) on the active backend: the vectorized activation alone. */
export function activate(activation: ActivationName, c: TypedArray, bias: TypedArray, d1: TypedArray, rows: number, width: number): void {
  active.activate(activationCode(activation), c, bias, d1, null, rows, width);
}

/** The backward-pass step (LayerSteps.backwardStep) on the active backend. */
export function backwardStep(g: TypedArray, d1: TypedArray, rg: TypedArray | null, d2: TypedArray | null, bias: TypedArray, rows: number, width: number): void {
  active.backwardStep(g, d1, rg, d2, bias, rows, width);
}

/** The R-forward step (LayerSteps.rForwardStep) on the active backend. */
export function rForwardStep(rz: TypedArray, vb: TypedArray, d1: TypedArray, d2: TypedArray | null, p2: TypedArray | null, rows: number, width: number): void {
  active.rForwardStep(rz, vb, d1, d2, p2, rows, width);
}

/** C ← α·op(A)·op(B) + β·C with the active backend, after checking the call. */
export function gemm(call: GemmCall): void {
  checkGemmCall(call);
  if (call.m === 0 || call.n === 0) return;
  active.gemm(call);
}
