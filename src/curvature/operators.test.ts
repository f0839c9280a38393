/** @file dense-reference table: every activation × loss × reduction on tiny nets, unequal batches */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { relativeError } from "../autodiff/testing.js";
import { grad, jacobian, tensor, type Tensor } from "../autodiff/index.js";
import { ndarray, type NDArray } from "../kernels/ndarray.js";
import { Rng } from "../kernels/random.js";
import { eigh } from "../linalg/eigh.js";
import { toDense } from "../linalg/linearOperator.js";
import { ACTIVATIONS, forward, LOSSES, lossSum, mlp, type Activation, type LossName, type Network } from "../nn/index.js";
import { empiricalRisk, type EmpiricalRisk } from "./empiricalRisk.js";
import { riskValue, riskValueAndGrad } from "./riskLoop.js";
import { fisherOperator, ggnOperator, hessianOperator } from "./operators.js";

const CASES = 5;
const BATCH = 2; // 5 cases in batches of 2, 2, 1: the reduction must be exact across unequal batches

function randomArray(rng: Rng, shape: number[], f: () => number): NDArray {
  const n = shape.reduce((a, b) => a * b, 1);
  return ndarray(Float64Array.from({ length: n }, f), shape);
}

function targetsFor(loss: LossName, rng: Rng, rows: number, cols: number): NDArray {
  switch (loss) {
    case "mse":
      return randomArray(rng, [rows, cols], () => rng.normal());
    case "sigmoid_cross_entropy":
      return randomArray(rng, [rows, cols], () => rng.uniform());
    case "softmax_cross_entropy": {
      const t = randomArray(rng, [rows, cols], () => rng.uniform() + 0.1);
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (let c = 0; c < cols; c++) s += t.data[r * cols + c]!;
        for (let c = 0; c < cols; c++) t.data[r * cols + c]! /= s;
      }
      return t;
    }
  }
}

interface Setup {
  readonly net: Network;
  readonly risk: EmpiricalRisk;
  readonly theta: Float64Array;
  readonly inputs: NDArray;
  readonly targets: NDArray;
}

function setup(act: Activation, loss: LossName, reduction: "mean" | "sum", seed: number, weightDecay = 0.01): Setup {
  const rng = new Rng(seed);
  const net = mlp([3, 4, 3], { hidden: act, output: loss === "mse" ? act : "linear", loss, weightDecay });
  const inputs = randomArray(rng, [CASES, 3], () => rng.normal());
  const targets = targetsFor(loss, rng, CASES, 3);
  const theta = Float64Array.from({ length: net.layout.size }, () => 0.7 * rng.normal());
  const risk = empiricalRisk(net, { inputs, targets }, { batchSize: BATCH, reduction });
  return { net, risk, theta, inputs, targets };
}


function maxAsymmetry(m: Float64Array, n: number): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      worst = Math.max(worst, Math.abs(m[i * n + j]! - m[j * n + i]!));
      scale = Math.max(scale, Math.abs(m[i * n + j]!));
    }
  }
  return worst / scale;
}

/** Central differences of the gradient, column by column: the independent Hessian reference. */
function fdHessian(risk: EmpiricalRisk, theta: Float64Array, h: number): Float64Array {
  const p = theta.length;
  const out = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    const plus = Float64Array.from(theta);
    const minus = Float64Array.from(theta);
    plus[j]! += h;
    minus[j]! -= h;
    const gp = riskValueAndGrad(risk, plus).grad;
    const gm = riskValueAndGrad(risk, minus).grad;
    for (let i = 0; i < p; i++) out[i * p + j] = (gp[i]! - gm[i]!) / (2 * h);
  }
  return out;
}

/** Dense H_ℓ of the summed loss at outputs z (one row of z at a time), for the GGN reference. */
function outputHessianDense(loss: LossName, z: Float64Array, t: Float64Array, cols: number): Float64Array {
  const m = new Float64Array(cols * cols);
  if (loss === "mse") for (let c = 0; c < cols; c++) m[c * cols + c] = 2;
  else if (loss === "sigmoid_cross_entropy") {
    for (let c = 0; c < cols; c++) {
      const s = 1 / (1 + Math.exp(-z[c]!));
      m[c * cols + c] = s * (1 - s);
    }
  } else {
    const mx = Math.max(...z);
    const e = Array.from(z, (v) => Math.exp(v - mx));
    const total = e.reduce((a, b) => a + b, 0);
    const p = e.map((v) => v / total);
    const mass = t.reduce((a, b) => a + b, 0);
    for (let a = 0; a < cols; a++) for (let b = 0; b < cols; b++) m[a * cols + b] = mass * ((a === b ? p[a]! : 0) - p[a]! * p[b]!);
  }
  return m;
}

/** G = (1/c)·JᵀH_ℓJ + λI from the dense Jacobian of all outputs. */
function referenceGgn(s: Setup): Float64Array {
  const { net, risk, theta, inputs, targets } = s;
  const p = theta.length;
  const cols = targets.shape[1]!;
  const x = tensor(inputs.data, { shape: inputs.shape });
  const model = (th: Tensor): Tensor => forward(net, th, x);
  const J = jacobian(model)(tensor(theta)).data(); // [CASES, cols, p]
  const z = model(tensor(theta)).data();
  const G = new Float64Array(p * p);
  for (let n = 0; n < CASES; n++) {
    const H = outputHessianDense(net.loss, z.subarray(n * cols, (n + 1) * cols) as Float64Array, targets.data.subarray(n * cols, (n + 1) * cols) as Float64Array, cols);
    for (let a = 0; a < cols; a++) {
      for (let b = 0; b < cols; b++) {
        const hab = H[a * cols + b]!;
        if (hab === 0) continue;
        const ja = (n * cols + a) * p;
        const jb = (n * cols + b) * p;
        for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) G[i * p + j]! += J[ja + i]! * hab * J[jb + j]!;
      }
    }
  }
  for (let i = 0; i < p * p; i++) G[i] = G[i]! / risk.normalizer;
  for (let i = 0; i < p; i++) G[i * p + i]! += net.weightDecay;
  return G;
}

const worst = { gradient: 0, hessianFd: 0, ggn: 0, fisher: 0, asymmetry: 0 };

describe("dense references on tiny nets (activation × loss × reduction)", () => {
  for (const act of ACTIVATIONS) {
    for (const loss of LOSSES) {
      for (const reduction of ["mean", "sum"] as const) {
        test(`${act} / ${loss} / ${reduction} (seed 7)`, () => {
          const s = setup(act, loss, reduction, 7);
          const { risk, theta } = s;
          const p = theta.length;
          // exact reduction: batches of 2,2,1 give the same value as one batch of 5
          const whole = empiricalRisk(s.net, { inputs: s.inputs, targets: s.targets }, { batchSize: CASES, reduction });
          assert.ok(Math.abs(riskValue(risk, theta) - riskValue(whole, theta)) <= 1e-13 * Math.abs(riskValue(whole, theta)));

          // gradient vs central differences along a random direction
          const rng = new Rng(11);
          const v = Float64Array.from({ length: p }, () => rng.normal());
          const h = 1e-6;
          const fd = (riskValue(risk, theta.map((t, i) => t + h * v[i]!)) - riskValue(risk, theta.map((t, i) => t - h * v[i]!))) / (2 * h);
          const g = riskValueAndGrad(risk, theta).grad;
          const gv = g.reduce((acc, gi, i) => acc + gi * v[i]!, 0);
          const gErr = Math.abs(fd - gv) / Math.max(Math.abs(gv), 1e-8);
          worst.gradient = Math.max(worst.gradient, gErr);
          assert.ok(gErr < 1e-6, `directional derivative off by ${gErr}`);

          // dense Hessian from Hv column by column vs finite differences of the gradient
          const H = toDense(hessianOperator(risk, theta));
          const hErr = relativeError(H, fdHessian(risk, theta, 1e-5));
          worst.hessianFd = Math.max(worst.hessianFd, hErr);
          assert.ok(hErr < 1e-6, `Hessian vs FD of gradient: ${hErr}`);
          const asym = maxAsymmetry(H, p);
          worst.asymmetry = Math.max(worst.asymmetry, asym);
          assert.ok(asym < 1e-12, `Hessian asymmetry ${asym}`);

          // GGN vs JᵀH_ℓJ from the dense Jacobian; PSD
          const G = toDense(ggnOperator(risk, theta));
          const gErr2 = relativeError(G, referenceGgn(s));
          worst.ggn = Math.max(worst.ggn, gErr2);
          assert.ok(gErr2 < 1e-12, `GGN vs dense JᵀHJ: ${gErr2}`);
          const { values } = eigh(G, p);
          assert.ok(values[0]! >= -1e-12 * Math.abs(values[p - 1]!), `GGN has eigenvalue ${values[0]}`);
        });
      }
    }
  }
});

describe("Fisher", () => {
  for (const loss of LOSSES) {
    test(`empirical Fisher equals (1/c)·Σ ∇ℓᵢ∇ℓᵢᵀ + λI for ${loss} (seed 3)`, () => {
      const s = setup("tanh", loss, "mean", 3);
      const p = s.theta.length;
      const F = toDense(fisherOperator(s.risk, s.theta, { type: "empirical" }));
      const ref = new Float64Array(p * p);
      const cols = s.targets.shape[1]!;
      for (let n = 0; n < CASES; n++) {
        const xi = tensor(s.inputs.data.slice(n * 3, n * 3 + 3), { shape: [1, 3] });
        const ti = tensor(s.targets.data.slice(n * cols, n * cols + cols), { shape: [1, cols] });
        const gi = grad((th: Tensor) => lossSum(loss, forward(s.net, th, xi), ti))(tensor(s.theta)).data();
        for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) ref[i * p + j]! += (gi[i]! * gi[j]!) / s.risk.normalizer;
      }
      for (let i = 0; i < p; i++) ref[i * p + i]! += s.net.weightDecay;
      const err = relativeError(F, ref);
      worst.fisher = Math.max(worst.fisher, err);
      assert.ok(err < 1e-12, `empirical Fisher off by ${err}`);
      assert.ok(maxAsymmetry(F, p) < 1e-12);
    });

    test(`Monte-Carlo Fisher approaches the GGN as samples grow for ${loss} (seed 5)`, () => {
      const s = setup("sigmoid", loss, "mean", 5, 0);
      const G = toDense(ggnOperator(s.risk, s.theta));
      const errFew = relativeError(toDense(fisherOperator(s.risk, s.theta, { type: "mc", seed: 1, samples: 20 })), G);
      const errMany = relativeError(toDense(fisherOperator(s.risk, s.theta, { type: "mc", seed: 1, samples: 2000 })), G);
      // the MC error shrinks like 1/√samples: 100× the samples should cut it well over 3×
      assert.ok(errMany < 0.1, `MC Fisher with 2000 samples is ${errMany} from the GGN`);
      assert.ok(errMany < errFew / 3, `MC error did not shrink: ${errFew} → ${errMany}`);
    });
  }
});

describe("closed forms", () => {
  test("linear model + MSE: GGN equals the Hessian, and H_W = 2·(XᵀX ⊗ I) for summed MSE (seed 9)", () => {
    const rng = new Rng(9);
    const net = mlp([4, 3], { hidden: "linear", output: "linear", loss: "mse" });
    const inputs = randomArray(rng, [6, 4], () => rng.normal());
    const targets = randomArray(rng, [6, 3], () => rng.normal());
    const risk = empiricalRisk(net, { inputs, targets }, { batchSize: 4, reduction: "sum" });
    const theta = Float64Array.from({ length: net.layout.size }, () => rng.normal());
    const p = theta.length;
    const H = toDense(hessianOperator(risk, theta));
    const G = toDense(ggnOperator(risk, theta));
    assert.ok(relativeError(G, H) < 1e-13, "GGN ≠ Hessian for a linear model with MSE");
    const X = inputs.data;
    for (let i = 0; i < 4; i++) {
      for (let o = 0; o < 3; o++) {
        for (let j = 0; j < 4; j++) {
          for (let o2 = 0; o2 < 3; o2++) {
            let xtx = 0;
            for (let n = 0; n < 6; n++) xtx += X[n * 4 + i]! * X[n * 4 + j]!;
            const expected = o === o2 ? 2 * xtx : 0;
            const got = H[(i * 3 + o) * p + (j * 3 + o2)]!;
            assert.ok(Math.abs(got - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `H[(${i},${o}),(${j},${o2})] = ${got}, expected ${expected}`);
          }
        }
      }
    }
  });

  test("reduction mean is the sum divided by PyTorch's normalizer", () => {
    for (const loss of LOSSES) {
      const a = setup("tanh", loss, "mean", 4);
      const b = setup("tanh", loss, "sum", 4);
      const expectedC = loss === "softmax_cross_entropy" ? CASES : CASES * 3;
      const decay = 0.5 * 0.01 * a.theta.reduce((acc, t) => acc + t * t, 0);
      const ratio = (riskValue(b.risk, b.theta) - decay) / (riskValue(a.risk, a.theta) - decay);
      assert.ok(Math.abs(ratio - expectedC) < 1e-9 * expectedC, `${loss}: sum/mean = ${ratio}, expected ${expectedC}`);
    }
  });
});

test("worst errors (reported in the issue note)", () => {
  console.log(`# curvature worst errors: ${JSON.stringify(worst)}`);
  assert.ok(worst.hessianFd > 0, "the table ran");
});
