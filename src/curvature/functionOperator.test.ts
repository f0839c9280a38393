/** @file hessianOperatorOf against the dense autodiff Hessian and central differences of the gradient */
import assert from "node:assert/strict";
import { test } from "node:test";
import { grad, hessian, tensor, type Tensor } from "../autodiff/index.js";
import { Rng } from "../kernels/random.js";
import { eigh } from "../linalg/eigh.js";
import { lanczos } from "../linalg/lanczos.js";
import { toDense } from "../linalg/linearOperator.js";
import { hessianOperatorOf } from "./functionOperator.js";

// f(x) = Σ sigmoid(xᵢ)·tanh(xᵢ₊₁) + ¼Σxᵢ⁴: coupled neighbours, indefinite somewhere
const f = (x: Tensor): Tensor => {
  const n = x.size;
  return x.slice([0], [n - 1]).sigmoid().mul(x.slice([1], [n - 1]).tanh()).sum().add(x.square().square().sum().mul(0.25));
};

test("hessianOperatorOf(f, x) is the dense Hessian, column by column, and its central differences (seed 3)", () => {
  const rng = new Rng(3);
  const x = Float64Array.from({ length: 7 }, () => rng.normal());
  const op = hessianOperatorOf(f, x);
  assert.deepEqual(op.shape, [7, 7]);
  assert.equal(op.symmetric, true);
  const dense = hessian(f)(tensor(x)).data();
  const formed = toDense(op);
  formed.forEach((h, i) => assert.ok(Math.abs(h - dense[i]!) <= 1e-13 * (1 + Math.abs(dense[i]!)), `entry ${i}`));
  // central differences of ∇f along e_j (float64, h = 1e-5: error O(h²) ≈ 1e-10)
  const g = (y: Float64Array): Float64Array => Float64Array.from(grad(f)(tensor(y)).data());
  const h = 1e-5;
  for (let j = 0; j < 7; j++) {
    const plus = Float64Array.from(x);
    const minus = Float64Array.from(x);
    plus[j]! += h;
    minus[j]! -= h;
    const [gp, gm] = [g(plus), g(minus)];
    for (let i = 0; i < 7; i++) assert.ok(Math.abs((gp[i]! - gm[i]!) / (2 * h) - formed[i * 7 + j]!) <= 1e-7, `(${i}, ${j})`);
  }
});

test("the solvers take it as any operator: Lanczos λmax equals eigh's of the tensor's data() with no cast (seed 4)", () => {
  const rng = new Rng(4);
  const x = tensor(Float64Array.from({ length: 9 }, () => rng.normal()));
  const values = eigh(hessian(f)(x).data(), 9).values;
  const top = lanczos(hessianOperatorOf(f, x), { k: 1, which: "largest" });
  assert.ok(Math.abs(top.values[0]! - values[8]!) <= 1e-10 * Math.abs(values[8]!));
  assert.throws(() => hessianOperatorOf(f, tensor([[1, 2]])), /flat vector/);
  assert.throws(() => hessianOperatorOf(f, Float64Array.of(1, 2)).matvec(new Float64Array(3)), /length 3/);
});
