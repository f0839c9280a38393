/** @file the optimizer race: every optimizer's path from one start on a lab function, library transforms plus a textbook Newton */
import { adam, applyUpdates, bfgs, lbfgs, momentum, newton, problemContext, sgd, tensorProblem, type Transform } from "../../src/index.js";
import { labFunction, scalarForm } from "./functions.js";
import { analyzePoint, type LabQuery } from "./labModel.js";

/** The racers, in the legend's order. */
export const RACERS = ["gd", "momentum", "adam", "newton", "newton-lm", "bfgs", "lbfgs"] as const;

/** One of RACERS. */
export type RacerName = (typeof RACERS)[number];

/** Iterations every racer runs (the scrub slider's range). */
export const RACE_ITERATIONS = 200;

/** What people read in the legend. */
export const RACER_LABELS: Record<RacerName, string> = {
  gd: "gradient descent",
  momentum: "momentum (β = 0.9)",
  adam: "Adam",
  newton: "Newton, (H + λI)⁻¹ step",
  "newton-lm": "Newton, LM-damped (library)",
  bfgs: "BFGS (Wolfe line search)",
  lbfgs: "L-BFGS (m = 10)",
};

/** The race's knobs. */
export interface RaceOptions {
  /** Step size η of gradient descent and momentum (Adam's is its own, 0.1·box width / 10). */
  readonly learningRate: number;
  /** λ of the textbook Newton step −(H + λI)⁻¹∇f: 0 is pure Newton, which steps uphill at a saddle. */
  readonly newtonDamping: number;
  readonly iterations: number;
}

/** Why a racer stopped. */
export type RacerStop = "converged" | "maxIter" | "diverged" | "singular";

/** One racer's run: the iterates (start first) and f at each. */
export interface RacerPath {
  readonly name: RacerName;
  readonly path: readonly (readonly [number, number])[];
  readonly values: readonly number[];
  readonly stop: RacerStop;
}

/** The whole race. */
export interface RaceResult {
  readonly racers: readonly RacerPath[];
  /** λmax of H at the start, and 2/λmax: gradient descent's stability limit on the local quadratic. */
  readonly lambdaMax: number;
  readonly stableStep: number;
}

interface Stepper {
  step(p: Float64Array, g: Float64Array, value: number, k: number): Float64Array | null;
}

/** A library transform as a stepper: its state threaded through, the context of a deterministic problem. */
function transformStepper<S>(t: Transform<S>, problem: ReturnType<typeof tensorProblem>, x0: Float64Array): Stepper {
  let state = t.init(x0);
  return {
    step(p, g, value, k) {
      const [step, next] = t.update(g, state, { ...problemContext(problem, p, k), value });
      state = next;
      return step;
    },
  };
}

/** p ← p − (H + λI)⁻¹∇f with the exact H, no line search and no safeguard: the textbook step, uphill where H + λI is indefinite. */
function textbookNewton(q: LabQuery, lambda: number): Stepper {
  return {
    step(p, g) {
      const [[a, b], [, c]] = analyzePoint({ ...q, x: p[0]!, y: p[1]! }).hessian;
      const [da, dc] = [a + lambda, c + lambda];
      const det = da * dc - b * b;
      if (det === 0 || !Number.isFinite(det)) return null;
      return Float64Array.of(-(dc * g[0]! - b * g[1]!) / det, -(da * g[1]! - b * g[0]!) / det);
    },
  };
}

/** Runs every racer from (q.x, q.y) for up to options.iterations steps. */
export function runRace(q: LabQuery, options: RaceOptions): RaceResult {
  const fn = labFunction(q.fn, q.quadratic);
  const problem = tensorProblem(scalarForm(fn));
  const x0 = Float64Array.of(q.x, q.y);
  const width = fn.box.x[1] - fn.box.x[0];
  const start = analyzePoint(q);
  const lambdaMax = start.eigenvalues[0];
  const steppers: Record<RacerName, () => Stepper> = {
    gd: () => transformStepper(sgd(options.learningRate), problem, x0),
    momentum: () => transformStepper(momentum(options.learningRate, 0.9), problem, x0),
    adam: () => transformStepper(adam(0.01 * width), problem, x0),
    newton: () => textbookNewton(q, options.newtonDamping),
    "newton-lm": () => transformStepper(newton(), problem, x0),
    bfgs: () => transformStepper(bfgs(), problem, x0),
    lbfgs: () => transformStepper(lbfgs(), problem, x0),
  };
  const racers = RACERS.map((name) => race(name, steppers[name](), problem, x0, options.iterations, fn.box, start.gradientTolerance));
  return { racers, lambdaMax, stableStep: lambdaMax > 0 ? 2 / lambdaMax : Infinity };
}

function race(
  name: RacerName,
  stepper: Stepper,
  problem: ReturnType<typeof tensorProblem>,
  x0: Float64Array,
  iterations: number,
  box: { readonly x: readonly [number, number]; readonly y: readonly [number, number] },
  gradientTolerance: number,
): RacerPath {
  const path: (readonly [number, number])[] = [];
  const values: number[] = [];
  // a path 10 box-widths away has left the picture for good (f unbounded below, or an unstable step):
  // call it diverged instead of overflowing
  const reach = 10 * (box.x[1] - box.x[0]);
  const cx = (box.x[0] + box.x[1]) / 2;
  const cy = (box.y[0] + box.y[1]) / 2;
  let p = x0;
  let stop: RacerStop = "maxIter";
  for (let k = 0; ; k++) {
    const { value, grad } = problem.objective.valueAndGrad(p);
    if (!Number.isFinite(value)) {
      stop = "diverged";
      break;
    }
    path.push([p[0]!, p[1]!]);
    values.push(value);
    // the step that left the picture is kept (drawn running off the canvas), then the racer stops
    if (Math.hypot(p[0]! - cx, p[1]! - cy) > reach) {
      stop = "diverged";
      break;
    }
    // 1e-3 of the lab's critical tolerance: the racers are compared to well past "critical"
    if (Math.hypot(grad[0]!, grad[1]!) <= 1e-3 * gradientTolerance) {
      stop = "converged";
      break;
    }
    if (k >= iterations) break;
    let step: Float64Array | null;
    try {
      step = stepper.step(p, grad, value, k);
    } catch {
      // the library's solvers refuse non-finite curvature; that is this racer's end, not the race's
      stop = "diverged";
      break;
    }
    if (step === null) {
      stop = "singular";
      break;
    }
    p = applyUpdates(p, step);
  }
  return { name, path, values, stop };
}
