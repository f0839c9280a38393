/** @file the Function lab's named 2-D functions, written with the library's Tensor ops so its autodiff gives exact ∇f and ∇²f */
import { tensor, type Tensor } from "../../src/index.js";

/** The names the lab knows, as they appear in the URL's `f=`. */
export const FUNCTION_NAMES = ["rosenbrock", "himmelblau", "beale", "booth", "monkey-saddle", "six-hump-camel", "quadratic"] as const;

/** One of FUNCTION_NAMES. */
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** The quadratic's sliders: H = QΛQᵀ with Λ = diag(λ₁, λ₂) and Q the rotation by θ (degrees). */
export interface QuadraticParams {
  readonly lambda1: number;
  readonly lambda2: number;
  readonly angleDeg: number;
}

/** The quadratic the lab opens with: a tilted, moderately ill-conditioned bowl. */
export const DEFAULT_QUADRATIC: QuadraticParams = { lambda1: 3, lambda2: 0.5, angleDeg: 30 };

/** A function of the lab: an elementwise f(x, y) on equal-shaped tensors, the view box, and how to write it. */
export interface LabFunction {
  readonly name: FunctionName;
  /** f applied elementwise: x and y have one shape, so one call evaluates a whole contour grid. */
  readonly f: (x: Tensor, y: Tensor) => Tensor;
  /** The square view [x0, x1] × [y0, y1] (square so that angles on screen are true angles). */
  readonly box: { readonly x: readonly [number, number]; readonly y: readonly [number, number] };
  /** The formula, in Unicode, for the caption. */
  readonly formula: string;
  /** Where the lab puts the point when the URL names none. */
  readonly start: readonly [number, number];
}

/** H = QΛQᵀ for the quadratic's sliders, as its entries [a, b, c] of [[a, b], [b, c]]. */
export function quadraticHessian(p: QuadraticParams): { readonly a: number; readonly b: number; readonly c: number } {
  const t = (p.angleDeg * Math.PI) / 180;
  const [cs, sn] = [Math.cos(t), Math.sin(t)];
  // Q's columns are the eigenvectors (cos θ, sin θ) and (−sin θ, cos θ)
  return {
    a: p.lambda1 * cs * cs + p.lambda2 * sn * sn,
    b: (p.lambda1 - p.lambda2) * cs * sn,
    c: p.lambda1 * sn * sn + p.lambda2 * cs * cs,
  };
}

const sq = (t: Tensor): Tensor => t.mul(t);

/** The lab's function `name` (the quadratic built from `quadratic`'s sliders). */
export function labFunction(name: FunctionName, quadratic: QuadraticParams = DEFAULT_QUADRATIC): LabFunction {
  switch (name) {
    case "rosenbrock":
      return {
        name,
        f: (x, y) => sq(x.neg().add(1)).add(sq(y.sub(x.mul(x))).mul(100)),
        box: { x: [-2, 2], y: [-1, 3] },
        formula: "f(x, y) = (1 − x)² + 100 (y − x²)²",
        start: [-1.2, 1],
      };
    case "himmelblau":
      return {
        name,
        f: (x, y) => sq(x.mul(x).add(y).sub(11)).add(sq(x.add(y.mul(y)).sub(7))),
        box: { x: [-5, 5], y: [-5, 5] },
        formula: "f(x, y) = (x² + y − 11)² + (x + y² − 7)²",
        start: [0, 0],
      };
    case "beale":
      return {
        name,
        f: (x, y) => {
          const y2 = y.mul(y);
          return sq(x.neg().add(x.mul(y)).add(1.5))
            .add(sq(x.neg().add(x.mul(y2)).add(2.25)))
            .add(sq(x.neg().add(x.mul(y2).mul(y)).add(2.625)));
        },
        box: { x: [-4.5, 4.5], y: [-4.5, 4.5] },
        formula: "f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
        start: [1, 1],
      };
    case "booth":
      return {
        name,
        f: (x, y) => sq(x.add(y.mul(2)).sub(7)).add(sq(x.mul(2).add(y).sub(5))),
        box: { x: [-10, 10], y: [-10, 10] },
        formula: "f(x, y) = (x + 2y − 7)² + (2x + y − 5)²",
        start: [-5, -5],
      };
    case "monkey-saddle":
      return {
        name,
        f: (x, y) => x.mul(x).mul(x).sub(x.mul(y).mul(y).mul(3)),
        box: { x: [-2, 2], y: [-2, 2] },
        formula: "f(x, y) = x³ − 3xy²",
        start: [0.5, 0.5],
      };
    case "six-hump-camel":
      return {
        name,
        f: (x, y) => {
          const x2 = x.mul(x);
          const y2 = y.mul(y);
          // (4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y²
          return x2.mul(-2.1).add(x2.mul(x2).div(3)).add(4).mul(x2).add(x.mul(y)).add(y2.mul(4).sub(4).mul(y2));
        },
        box: { x: [-2, 2], y: [-2, 2] },
        formula: "f(x, y) = (4 − 2.1x² + x⁴/3) x² + xy + (4y² − 4) y²",
        start: [0.5, 0.5],
      };
    case "quadratic": {
      const { a, b, c } = quadraticHessian(quadratic);
      return {
        name,
        f: (x, y) => x.mul(x).mul(a / 2).add(x.mul(y).mul(b)).add(y.mul(y).mul(c / 2)),
        box: { x: [-3, 3], y: [-3, 3] },
        formula: "f(p) = ½ pᵀ H p,  H = QΛQᵀ",
        start: [2, 1],
      };
    }
  }
}

/** f as a scalar function of the point p = [x, y], the form grad and hessian take. */
export function scalarForm(fn: LabFunction): (p: Tensor) => Tensor {
  return (p) => fn.f(p.slice([0], [1]), p.slice([1], [1])).sum();
}

/** f evaluated at many points at once (one Tensor pass, no autodiff): the contour grid's values. */
export function evaluateMany(fn: LabFunction, xs: Float64Array, ys: Float64Array): Float64Array {
  return Float64Array.from(fn.f(tensor(xs), tensor(ys)).data());
}

/** Whether a string names a lab function (URL input is untrusted). */
export function isFunctionName(s: string): s is FunctionName {
  return (FUNCTION_NAMES as readonly string[]).includes(s);
}
