/** @file seeded synthetic data sets: regression from a random teacher, Gaussian-blob classification */
import { allocate, type DType, type TypedArray } from "../kernels/ndarray.js";
import { Rng } from "../kernels/random.js";
import type { Dataset } from "./dataset.js";

/** Options of syntheticRegression. */
export interface SyntheticRegressionOptions {
  readonly n: number;
  readonly dIn: number;
  readonly dOut: number;
  /** Standard deviation of the Gaussian noise added to each target value. */
  readonly noise: number;
  readonly seed: number;
  readonly dtype: DType;
  /**
   * Hidden width of a one-hidden-layer tanh teacher; 0 or absent: a linear teacher. Non-linear
   * targets give non-trivial Hessians even for small nets; linear ones give closed forms.
   */
  readonly hidden?: number;
}

/**
 * Regression data: inputs x ~ N(0, I_dIn); targets y = f(x) + noise·ε, ε ~ N(0, I_dOut). The
 * teacher f is linear, f(x) = x·W + b, or with `hidden` = h a tanh net
 * f(x) = tanh(x·W₁ + b₁)·W₂ + b₂; every weight is N(0, 1/fan-in) and every bias N(0, 0.1²), so
 * the targets are O(1) whatever the sizes. Draw order (fixed, so a seed pins the data): teacher
 * weights layer by layer (W then b, row-major), then the inputs row by row, then the noise.
 */
export function syntheticRegression(options: SyntheticRegressionOptions): Dataset {
  const { n, dIn, dOut, noise, dtype } = options;
  const hidden = options.hidden ?? 0;
  checkCount("syntheticRegression", "n", n);
  checkCount("syntheticRegression", "dIn", dIn);
  checkCount("syntheticRegression", "dOut", dOut);
  if (!Number.isInteger(hidden) || hidden < 0) {
    throw new RangeError(`syntheticRegression: hidden must be a non-negative integer, got ${hidden}`);
  }
  if (!(noise >= 0) || !Number.isFinite(noise)) {
    throw new RangeError(`syntheticRegression: noise must be a finite number ≥ 0, got ${noise}`);
  }
  const rng = new Rng(options.seed);
  const widths = hidden > 0 ? [dIn, hidden, dOut] : [dIn, dOut];
  const layers = widths.slice(1).map((out, l) => {
    const fanIn = widths[l]!;
    const w = Float64Array.from({ length: fanIn * out }, () => rng.normal() / Math.sqrt(fanIn));
    const b = Float64Array.from({ length: out }, () => 0.1 * rng.normal());
    return { fanIn, out, w, b };
  });
  const x = Float64Array.from({ length: n * dIn }, () => rng.normal());
  // The teacher runs in float64 whatever the output dtype, so float32 and float64 sets agree to rounding.
  let a = x;
  layers.forEach((layer, l) => {
    const z = new Float64Array(n * layer.out);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < layer.out; j++) {
        let s = layer.b[j]!;
        for (let k = 0; k < layer.fanIn; k++) s += a[i * layer.fanIn + k]! * layer.w[k * layer.out + j]!;
        z[i * layer.out + j] = l < layers.length - 1 ? Math.tanh(s) : s;
      }
    }
    a = z;
  });
  for (let i = 0; i < a.length; i++) a[i] = a[i]! + noise * rng.normal();
  return {
    name: "synthetic-regression",
    inputs: { shape: [n, dIn], dtype, data: convert(x, dtype) },
    targets: { shape: [n, dOut], dtype, data: convert(a, dtype) },
  };
}

/** Options of syntheticClassification. */
export interface SyntheticClassificationOptions {
  readonly n: number;
  readonly dIn: number;
  readonly classes: number;
  readonly seed: number;
  readonly dtype: DType;
  /** Standard deviation of the class centres around 0 (default 3); the blobs have unit spread. */
  readonly separation?: number;
}

/**
 * Gaussian blobs: class centres μ_c ~ N(0, separation²·I); labels balanced (example i gets class
 * i mod classes before a seeded shuffle); inputs x = μ_label + N(0, I); targets one-hot [N, classes]
 * (for softmax cross-entropy), labels kept. Draw order: centres, label shuffle, then inputs.
 */
export function syntheticClassification(options: SyntheticClassificationOptions): Dataset {
  const { n, dIn, classes, dtype } = options;
  const separation = options.separation ?? 3;
  checkCount("syntheticClassification", "n", n);
  checkCount("syntheticClassification", "dIn", dIn);
  if (!Number.isInteger(classes) || classes < 2) {
    throw new RangeError(`syntheticClassification: classes must be an integer ≥ 2, got ${classes}`);
  }
  if (!(separation >= 0) || !Number.isFinite(separation)) {
    throw new RangeError(`syntheticClassification: separation must be a finite number ≥ 0, got ${separation}`);
  }
  const rng = new Rng(options.seed);
  const centres = Float64Array.from({ length: classes * dIn }, () => separation * rng.normal());
  const labels = Int32Array.from(rng.shuffle(Array.from({ length: n }, (_, i) => i % classes)));
  const inputs = allocate(dtype, n * dIn);
  const targets = allocate(dtype, n * classes);
  for (let i = 0; i < n; i++) {
    const c = labels[i]!;
    for (let k = 0; k < dIn; k++) inputs[i * dIn + k] = centres[c * dIn + k]! + rng.normal();
    targets[i * classes + c] = 1;
  }
  return {
    name: "synthetic-classification",
    inputs: { shape: [n, dIn], dtype, data: inputs },
    targets: { shape: [n, classes], dtype, data: targets },
    labels,
  };
}

function checkCount(fn: string, what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${fn}: ${what} must be a positive integer, got ${v}`);
}

function convert(data: Float64Array, dtype: DType): TypedArray {
  return dtype === "float64" ? data : Float32Array.from(data);
}
