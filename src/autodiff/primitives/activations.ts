/** @file activation primitives: tanh, sigmoid, relu, leakyRelu, softplus, erf, gelu (erf and tanh forms) */
import * as k from "../../kernels/elementwise.js";
import { geluConstants } from "../../kernels/special.js";
import { unary } from "../primitive.js";
import type { Tensor } from "../tensor.js";

const { SQRT_HALF, SQRT_2_OVER_PI, GELU_CUBIC, TWO_OVER_SQRT_PI } = geluConstants;

// 1 − y² and 1 − σ cancel where the unit saturates (tanh(20) rounds to 1, so 1 − y² = 0 instead of
// 1.7e-17): the slopes below use σ(−x), computed directly, so they keep full relative accuracy there,
// and so do their own derivatives.
/** sech²x = 1 − tanh²x = 4·σ(2x)·σ(−2x), without cancellation. */
const sech2 = (a: Tensor): Tensor => {
  const twice = a.mul(2);
  return twice.sigmoid().mul(twice.neg().sigmoid()).mul(4);
};

/** tanh; tanh' = sech²x. */
export const tanh = unary("tanh", k.tanh, sech2);

/** Stable logistic sigmoid; σ' = σ(1 − σ) = σ(x)·σ(−x). */
export const sigmoid = unary("sigmoid", k.sigmoid, (x, y) => y.mul(x.neg().sigmoid()));

// relu' is the step x > 0 (0 at the kink, as in PyTorch); the mask is NaN where x is NaN so that
// NaN propagates into derivatives too.
/** max(x, 0). */
export const relu = unary("relu", k.relu, (x) => x.greater(0));

/** x for x > 0, αx otherwise; the slope is 1 or α. */
export const leakyRelu = unary<{ readonly alpha: number }>(
  "leakyRelu",
  (a, { alpha }) => k.leakyRelu(a, alpha),
  (x, _y, { alpha }) => x.greater(0).mul(1 - alpha).add(alpha),
);

/** softplus(x) = log(1 + eˣ), stable; softplus' = σ(x). */
export const softplus = unary("softplus", k.softplus, (x) => x.sigmoid());

/** The error function; erf' = 2/√π·e^(−x²). */
export const erf = unary("erf", k.erf, (x) => x.square().neg().exp().mul(TWO_OVER_SQRT_PI));

// gelu'(x) = Φ(x) + x·φ(x), with Φ(x) = (1 + erf(x/√2))/2 and φ(x) = e^(−x²/2)/√(2π).
const geluSlope = (a: Tensor): Tensor => {
  const cdf = a.mul(SQRT_HALF).erf().add(1).mul(0.5);
  const pdf = a.square().mul(-0.5).exp().mul(SQRT_HALF / Math.sqrt(Math.PI));
  return cdf.add(a.mul(pdf));
};

/** GELU, exact: x·Φ(x). */
export const gelu = unary("gelu", k.gelu, geluSlope);

// With u = c(x + 0.044715x³): x(1 + tanh u)/2 = x·σ(2u), so the slope is σ(2u) + x·2u′·σ(2u)·σ(−2u).
// The σ form avoids 1 + tanh u and 1 − tanh²u, which cancel for large |u|.
const geluTanhSlope = (a: Tensor): Tensor => {
  const x2 = a.square();
  const twoU = a.add(a.mul(x2).mul(GELU_CUBIC)).mul(2 * SQRT_2_OVER_PI);
  const twoDu = x2.mul(3 * GELU_CUBIC).add(1).mul(2 * SQRT_2_OVER_PI);
  const s = twoU.sigmoid();
  return s.add(a.mul(twoDu).mul(s).mul(twoU.neg().sigmoid()));
};

/** GELU, tanh approximation (PyTorch approximate="tanh"). */
export const geluTanh = unary("geluTanh", k.geluTanh, geluTanhSlope);
