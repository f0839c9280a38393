/** @file activation primitives: tanh, sigmoid, relu, leakyRelu, softplus, erf, gelu (erf and tanh forms) */
import * as k from "../../kernels/elementwise.js";
import { geluConstants } from "../../kernels/special.js";
import { definePrimitive } from "../primitive.js";
import type { Tensor } from "../tensor.js";

const { SQRT_HALF, SQRT_2_OVER_PI, GELU_CUBIC, TWO_OVER_SQRT_PI } = geluConstants;

/** tanh; tanh' = 1 − y². */
export const tanh = definePrimitive({
  name: "tanh",
  impl: ([a]) => k.tanh(a!),
  jvp: [(t, _, y) => t.mul(y.square().neg().add(1))],
  vjp: [(g, _, y) => g.mul(y.square().neg().add(1))],
});

/** Stable logistic sigmoid; σ' = σ(1 − σ). */
export const sigmoid = definePrimitive({
  name: "sigmoid",
  impl: ([a]) => k.sigmoid(a!),
  jvp: [(t, _, y) => t.mul(y.mul(y.neg().add(1)))],
  vjp: [(g, _, y) => g.mul(y.mul(y.neg().add(1)))],
});

// relu' is the step x > 0 (0 at the kink, as in PyTorch); the mask is NaN where x is NaN so that
// NaN propagates into derivatives too.
/** max(x, 0). */
export const relu = definePrimitive({
  name: "relu",
  impl: ([a]) => k.relu(a!),
  jvp: [(t, [a]) => t.mul(a!.greater(0))],
  vjp: [(g, [a]) => g.mul(a!.greater(0))],
});

const leakySlope = (a: Tensor, alpha: number): Tensor => a.greater(0).mul(1 - alpha).add(alpha);

/** x for x > 0, αx otherwise. */
export const leakyRelu = definePrimitive<{ readonly alpha: number }>({
  name: "leakyRelu",
  impl: ([a], { alpha }) => k.leakyRelu(a!, alpha),
  jvp: [(t, [a], _, { alpha }) => t.mul(leakySlope(a!, alpha))],
  vjp: [(g, [a], _, { alpha }) => g.mul(leakySlope(a!, alpha))],
});

/** softplus(x) = log(1 + eˣ), stable; softplus' = σ(x). */
export const softplus = definePrimitive({
  name: "softplus",
  impl: ([a]) => k.softplus(a!),
  jvp: [(t, [a]) => t.mul(a!.sigmoid())],
  vjp: [(g, [a]) => g.mul(a!.sigmoid())],
});

const erfSlope = (a: Tensor): Tensor => a.square().neg().exp().mul(TWO_OVER_SQRT_PI);

/** The error function; erf' = 2/√π·e^(−x²). */
export const erf = definePrimitive({
  name: "erf",
  impl: ([a]) => k.erf(a!),
  jvp: [(t, [a]) => t.mul(erfSlope(a!))],
  vjp: [(g, [a]) => g.mul(erfSlope(a!))],
});

// gelu'(x) = Φ(x) + x·φ(x), with Φ(x) = (1 + erf(x/√2))/2 and φ(x) = e^(−x²/2)/√(2π).
const geluSlope = (a: Tensor): Tensor => {
  const cdf = a.mul(SQRT_HALF).erf().add(1).mul(0.5);
  const pdf = a.square().mul(-0.5).exp().mul(SQRT_HALF / Math.sqrt(Math.PI));
  return cdf.add(a.mul(pdf));
};

/** GELU, exact: x·Φ(x). */
export const gelu = definePrimitive({
  name: "gelu",
  impl: ([a]) => k.gelu(a!),
  jvp: [(t, [a]) => t.mul(geluSlope(a!))],
  vjp: [(g, [a]) => g.mul(geluSlope(a!))],
});

// With u = c(x + 0.044715x³) and h = tanh u: d/dx [x(1+h)/2] = (1+h)/2 + x(1−h²)·c(1 + 3·0.044715x²)/2.
const geluTanhSlope = (a: Tensor): Tensor => {
  const x2 = a.square();
  const h = a.add(a.mul(x2).mul(GELU_CUBIC)).mul(SQRT_2_OVER_PI).tanh();
  const du = x2.mul(3 * GELU_CUBIC).add(1).mul(SQRT_2_OVER_PI);
  return h.add(1).mul(0.5).add(a.mul(h.square().neg().add(1)).mul(du).mul(0.5));
};

/** GELU, tanh approximation (PyTorch approximate="tanh"). */
export const geluTanh = definePrimitive({
  name: "geluTanh",
  impl: ([a]) => k.geluTanh(a!),
  jvp: [(t, [a]) => t.mul(geluTanhSlope(a!))],
  vjp: [(g, [a]) => g.mul(geluTanhSlope(a!))],
});
