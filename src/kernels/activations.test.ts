/** @file the activation table itself: f′ and f″ against central differences of f and f′ in float64, codes, and values known in closed form */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ACTIVATIONS, ACTIVATION_TABLE, activationCode, isPiecewiseLinear, type ActivationName } from "./activations.js";

const EPS = 2 ** -52;

/**
 * g′(x) by the fourth-order central difference, with its error bound: truncation ~(hx)⁴ is far below
 * the bound; rounding is ~3ε·|g|/h. The step shrinks as 1/|x| because the Gaussian tails of GELU
 * vary on that scale.
 */
function centralDifference(g: (x: number) => number, x: number): { value: number; rounding: number } {
  const h = 1e-3 / Math.max(1, Math.abs(x));
  const [p1, m1, p2, m2] = [g(x + h), g(x - h), g(x + 2 * h), g(x - 2 * h)];
  const value = (8 * (p1 - m1) - (p2 - m2)) / (12 * h);
  const rounding = (3 * EPS * (Math.abs(p1) + Math.abs(m1) + Math.abs(p2) + Math.abs(m2))) / h;
  return { value, rounding };
}

/** Points on both sides of every activation's interesting region, away from the kinks at 0 for the piecewise ones. */
const POINTS = [-30, -20, -8, -3, -1.5, -0.75, -0.1, -1e-3, 1e-3, 0.1, 0.5, 1, Math.SQRT2, 2.5, 5, 8, 20, 30];

for (const name of ACTIVATIONS) {
  test(`${name}: f′ and f″ match central differences of f and f′ in float64`, () => {
    const { f, df, d2f } = ACTIVATION_TABLE[name];
    // the stencil reaches 2·10⁻³ either side: the piecewise-linear ones are sampled clear of their kink
    const points = isPiecewiseLinear(name) ? POINTS.filter((x) => Math.abs(x) > 0.01) : [0, ...POINTS];
    for (const x of points) {
      for (const [what, of, want] of [["f′", f, df(x)], ["f″", df, d2f(x)]] as const) {
        const fd = centralDifference(of, x);
        // 1e-8 relative: the truncation of the fourth-order stencil at h·|x| = 1e-3, with margin
        const tol = 1e-8 * Math.abs(want) + 10 * fd.rounding + 1e-300;
        assert.ok(Math.abs(fd.value - want) <= tol, `${name} ${what}(${x}) = ${want}, differences give ${fd.value}`);
      }
    }
  });
}

test("the piecewise-linear activations are those whose f″ vanishes, and the others have curvature", () => {
  for (const name of ACTIVATIONS) {
    const curved = POINTS.some((x) => ACTIVATION_TABLE[name].d2f(x) !== 0);
    assert.equal(isPiecewiseLinear(name), !curved, name);
  }
});

test("codes are 0 … n−1, one per activation, so backends can index by them", () => {
  const codes = ACTIVATIONS.map(activationCode).sort((a, b) => a - b);
  assert.deepEqual(codes, ACTIVATIONS.map((_, i) => i));
});

test("values known in closed form, and PyTorch's conventions at the kinks", () => {
  const at = (name: ActivationName, x: number): [number, number, number] => {
    const { f, df, d2f } = ACTIVATION_TABLE[name];
    return [f(x), df(x), d2f(x)];
  };
  const sqrt2OverPi = 0.7978845608028654; // √(2/π) = 2φ(0)
  const close = (got: [number, number, number], want: [number, number, number], what: string): void =>
    got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) <= 4 * EPS * Math.abs(want[i]!), `${what} derivative ${i}: ${g} vs ${want[i]}`));
  close(at("relu", 0), [0, 0, 0], "relu(0)");
  close(at("leaky_relu", 0), [0, 0.01, 0], "leaky_relu(0)");
  close(at("leaky_relu", -2), [-0.02, 0.01, 0], "leaky_relu(−2)");
  close(at("linear", -3), [-3, 1, 0], "linear(−3)");
  close(at("sigmoid", 0), [0.5, 0.25, 0], "σ(0)");
  close(at("tanh", 0), [0, 1, 0], "tanh(0)");
  close(at("softplus", 0), [Math.LN2, 0.5, 0.25], "softplus(0)");
  close(at("gelu", 0), [0, 0.5, sqrt2OverPi], "gelu(0)");
  close(at("gelu_tanh", 0), [0, 0.5, sqrt2OverPi], "gelu_tanh(0)");
  // Φ(1) from tables of the normal distribution
  assert.ok(Math.abs(at("gelu", 1)[0] - 0.8413447460685429) <= 4 * EPS);
  for (const name of ACTIVATIONS) {
    const [f, df, d2f] = at(name, NaN);
    assert.ok(Number.isNaN(f), `${name}(NaN) is NaN`);
    if (name !== "linear") assert.ok(Number.isNaN(df), `${name}′(NaN) is NaN`);
    if (!isPiecewiseLinear(name)) assert.ok(Number.isNaN(d2f), `${name}″(NaN) is NaN`);
  }
});
