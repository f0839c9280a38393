/** @file fused gradient, Gv and Hv against the generic autodiff ones: every activation × loss, float64 and float32, every backend */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { relativeError } from "../autodiff/testing.js";
import { hvp, jvp, tensor, valueAndGrad, vjp, type Tensor } from "../autodiff/index.js";
import { setGemmBackend } from "../kernels/backends/backend.js";
import { backendsReady, backendsUnderTest } from "../kernels/backends/testing.js";
import { ShapeError, type DType } from "../kernels/ndarray.js";
import { Rng } from "../kernels/random.js";
import { ACTIVATIONS, type Activation } from "./activations.js";
import { FusedNetwork } from "./fused.js";
import { LOSSES, lossSum, outputHessianProduct, type LossName } from "./losses.js";
import { forward, network, type Network } from "./network.js";

const ROWS = 7;
const SIZES = [5, 6, 4, 3];

function targets(loss: LossName, rng: Rng, rows: number, cols: number): Float64Array {
  const t = Float64Array.from({ length: rows * cols }, () => (loss === "mse" ? rng.normal() : rng.uniform() + 0.05));
  if (loss === "softmax_cross_entropy") {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += t[r * cols + c]!;
      // rows of mass 0.5…1.5: softmax CE's Hessian scales with Σt, which this exercises
      for (let c = 0; c < cols; c++) t[r * cols + c]! /= s / (0.5 + r / rows);
    }
  }
  return t;
}

/** A net whose every layer uses `act` (the last one linear for the cross-entropy losses). */
function net(act: Activation, loss: LossName): Network {
  const layers = SIZES.slice(1).map((outputs, i) => ({ inputs: SIZES[i]!, outputs, activation: i === SIZES.length - 2 && loss !== "mse" ? ("linear" as const) : act }));
  return network(layers, loss);
}


interface Problem {
  readonly network: Network;
  readonly theta: Float64Array;
  readonly v: Float64Array;
  readonly x: Float64Array;
  readonly t: Float64Array;
}

function problem(act: Activation, loss: LossName, seed: number): Problem {
  const rng = new Rng(seed);
  const n = net(act, loss);
  return {
    network: n,
    theta: Float64Array.from({ length: n.layout.size }, () => 0.8 * rng.normal()),
    v: Float64Array.from({ length: n.layout.size }, () => rng.normal()),
    x: Float64Array.from({ length: ROWS * SIZES[0]! }, () => rng.normal()),
    t: targets(loss, rng, ROWS, SIZES[SIZES.length - 1]!),
  };
}

/** Gradient, Gv and Hv of S = Σℓ by the generic autodiff engine, in float64. */
function autodiffReference(p: Problem): { value: number; grad: Float64Array; gv: Float64Array; hv: Float64Array } {
  const x = tensor(p.x, { shape: [ROWS, SIZES[0]!] });
  const t = tensor(p.t, { shape: [ROWS, SIZES[SIZES.length - 1]!] });
  const th = tensor(p.theta);
  const v = tensor(p.v);
  const S = (theta: Tensor): Tensor => lossSum(p.network.loss, forward(p.network, theta, x), t);
  const [value, grad] = valueAndGrad(S)(th);
  const model = (theta: Tensor): Tensor => forward(p.network, theta, x);
  const [z, jv] = jvp(model, [th], [v]);
  const gv = vjp(model, [th]).pullback(outputHessianProduct(p.network.loss, z, t, jv))[0]!;
  return { value: value.item(), grad: Float64Array.from(grad.data()), gv: Float64Array.from(gv.data()), hv: Float64Array.from(hvp(S, th, v).data()) };
}

function fused(p: Problem, dtype: DType): { value: number; grad: Float64Array; gv: Float64Array; hv: Float64Array } {
  const A = dtype === "float64" ? Float64Array : Float32Array;
  const e = new FusedNetwork(p.network, dtype);
  const [th, v, x, t] = [A.from(p.theta), A.from(p.v), A.from(p.x), A.from(p.t)];
  const out = (): Float32Array | Float64Array => new A(p.network.layout.size);
  const batch = { inputs: x, targets: t, rows: ROWS };
  const grad = out();
  const value = e.lossAndGrad(th, batch, grad);
  const gv = out();
  e.sandwichProduct(th, batch, v, gv, { kind: "lossHessian" });
  const hv = out();
  e.hessianProduct(th, batch, v, hv);
  // a second round on the same instance: reused buffers must not leak state between products
  const hv2 = out();
  e.hessianProduct(th, batch, v, hv2);
  assert.deepEqual(Array.from(hv2), Array.from(hv));
  return { value, grad: Float64Array.from(grad), gv: Float64Array.from(gv), hv: Float64Array.from(hv) };
}

// the threaded WebAssembly backend starts its worker asynchronously; test it with the worker up
await backendsReady();

for (const backend of backendsUnderTest()) {
  describe(`fused passes = autodiff on backend ${backend.name} (${backend.threads} threads)`, () => {
    for (const loss of LOSSES) {
      for (const act of ACTIVATIONS) {
        test(`${act} × ${loss}: value, gradient, Gv, Hv in float64 and float32 [seed 21]`, () => {
          const previous = setGemmBackend(backend);
          try {
            const p = problem(act, loss, 21);
            const want = autodiffReference(p);
            const f64 = fused(p, "float64");
            assert.ok(Math.abs(f64.value - want.value) <= 1e-12 * Math.abs(want.value), `value ${f64.value} vs ${want.value}`);
            for (const k of ["grad", "gv", "hv"] as const) {
              const err = relativeError(f64[k], want[k]);
              assert.ok(err <= 1e-12, `float64 ${k}: relative error ${err}`);
            }
            // float32: every input rounded to 2⁻²⁴ and products accumulated in float32 by native
            // backends; through 3 layers and second derivatives that leaves ~1e-6, bounded at 1e-4
            const f32 = fused(p, "float32");
            for (const k of ["grad", "gv", "hv"] as const) {
              const err = relativeError(f32[k], want[k]);
              assert.ok(err <= 1e-4, `float32 ${k}: relative error ${err}`);
            }
          } finally {
            setGemmBackend(previous);
          }
        });
      }
    }
  });
}

test("FusedNetwork rejects arrays of the wrong dtype or length, and bad batch sizes", () => {
  const p = problem("tanh", "mse", 3);
  const e = new FusedNetwork(p.network, "float64");
  const g = new Float64Array(p.network.layout.size);
  assert.throws(() => e.lossAndGrad(Float32Array.from(p.theta), { inputs: p.x, targets: p.t, rows: ROWS }, g), (err: unknown) => err instanceof ShapeError && /θ must be a Float64Array/.test(err.message));
  assert.throws(() => e.lossAndGrad(p.theta, { inputs: p.x.subarray(1), targets: p.t, rows: ROWS }, g), /inputs has 34 elements, expected 35/);
  assert.throws(() => e.lossAndGrad(p.theta, { inputs: p.x, targets: p.t, rows: 0 }, g), /invalid batch size 0/);
  assert.throws(() => e.hessianProduct(p.theta, { inputs: p.x, targets: p.t, rows: ROWS }, p.v.subarray(2), g), /v has/);
});

test("wide layers (the backends' multithreaded paths) agree with the portable backend in float64 [seed 23]", () => {
  // 300 rows × 256 units: past the native addon's thresholds for splitting activations, the
  // backward step and the loss between threads, which the tiny nets above never reach
  const rng = new Rng(23);
  const wide = network(
    [
      { inputs: 40, outputs: 256, activation: "sigmoid" },
      { inputs: 256, outputs: 256, activation: "relu" },
      { inputs: 256, outputs: 256, activation: "linear" },
    ],
    "sigmoid_cross_entropy",
  );
  const rows = 300;
  const theta = Float64Array.from({ length: wide.layout.size }, () => 0.2 * rng.normal());
  const v = Float64Array.from({ length: wide.layout.size }, () => rng.normal());
  const x = Float64Array.from({ length: rows * 40 }, () => rng.normal());
  const t = Float64Array.from({ length: rows * 256 }, () => rng.uniform());
  const run = (): Float64Array[] => {
    const e = new FusedNetwork(wide, "float64");
    const out = Array.from({ length: 3 }, () => new Float64Array(wide.layout.size));
    const batch = { inputs: x, targets: t, rows };
    const value = e.lossAndGrad(theta, batch, out[0]!);
    e.sandwichProduct(theta, batch, v, out[1]!, { kind: "lossHessian" });
    e.hessianProduct(theta, batch, v, out[2]!);
    return [Float64Array.of(value), ...out];
  };
  const backends = backendsUnderTest();
  const previous = setGemmBackend(backends[0]!);
  try {
    const want = run();
    for (const backend of backends.slice(1)) {
      setGemmBackend(backend);
      const got = run();
      want.forEach((w, i) => {
        const err = relativeError(got[i]!, w);
        assert.ok(err <= 1e-12, `${backend.name} ×${backend.threads}, output ${i}: relative error ${err}`);
      });
    }
  } finally {
    setGemmBackend(previous);
  }
});
