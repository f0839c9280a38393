/** @file the app's state in the URL (shareable links): parse untrusted query strings, write them back */
import { DEFAULT_QUADRATIC, isFunctionName, labFunction, type FunctionName, type QuadraticParams } from "./functions.js";

/** The app's views. */
export type ViewName = "lab" | "race";

/** Everything a link restores. */
export interface AppState {
  readonly view: ViewName;
  readonly fn: FunctionName;
  readonly x: number;
  readonly y: number;
  readonly quadratic: QuadraticParams;
  /** The race's step size η (GD, momentum) and the textbook Newton's damping λ. */
  readonly race: { readonly learningRate: number; readonly newtonDamping: number };
}

/** The race's knobs when a link names none. */
export const DEFAULT_RACE = { learningRate: 1e-3, newtonDamping: 0 } as const;

/** Ranges of the race's sliders (η on a log scale). */
export const RACE_RANGES = { learningRate: { min: 1e-5, max: 1 }, newtonDamping: { min: 0, max: 100 } } as const;

/** The quadratic sliders' ranges: eigenvalues of either sign, any orientation. */
export const QUADRATIC_RANGES = {
  lambda1: { min: -5, max: 5, step: 0.1 },
  lambda2: { min: -5, max: 5, step: 0.1 },
  angleDeg: { min: -90, max: 90, step: 1 },
} as const;

function finiteParam(params: URLSearchParams, key: string): number | null {
  const raw = params.get(key);
  if (raw === null || raw.trim() === "") return null;
  const v = Number(raw);
  return Number.isFinite(v) ? v : null;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/**
 * The state a query string such as `?f=rosenbrock&x=1&y=1` describes. Unknown names and non-numbers
 * fall back to defaults (a link must never break the page); slider values are clamped to their ranges.
 */
export function parseState(search: string): AppState {
  const params = new URLSearchParams(search);
  const name = params.get("f") ?? "";
  const fn: FunctionName = isFunctionName(name) ? name : "rosenbrock";
  const view: ViewName = params.get("view") === "race" ? "race" : "lab";
  const slider = (key: keyof QuadraticParams, url: string): number => {
    const r = QUADRATIC_RANGES[key];
    const v = finiteParam(params, url);
    return v === null ? DEFAULT_QUADRATIC[key] : clamp(v, r.min, r.max);
  };
  const quadratic = { lambda1: slider("lambda1", "l1"), lambda2: slider("lambda2", "l2"), angleDeg: slider("angleDeg", "theta") };
  const start = labFunction(fn, quadratic).start;
  const lr = finiteParam(params, "lr");
  const lam = finiteParam(params, "lam");
  const race = {
    learningRate: lr === null || lr <= 0 ? DEFAULT_RACE.learningRate : clamp(lr, RACE_RANGES.learningRate.min, RACE_RANGES.learningRate.max),
    newtonDamping: lam === null ? DEFAULT_RACE.newtonDamping : clamp(lam, RACE_RANGES.newtonDamping.min, RACE_RANGES.newtonDamping.max),
  };
  return { view, fn, x: finiteParam(params, "x") ?? start[0], y: finiteParam(params, "y") ?? start[1], quadratic, race };
}

/** The query string of a state; parseState(serializeState(s)) gives s back. */
export function serializeState(s: AppState): string {
  const params = new URLSearchParams();
  if (s.view !== "lab") params.set("view", s.view);
  params.set("f", s.fn);
  // String() is the shortest text that reads back as the same double
  params.set("x", String(s.x));
  params.set("y", String(s.y));
  if (s.fn === "quadratic") {
    params.set("l1", String(s.quadratic.lambda1));
    params.set("l2", String(s.quadratic.lambda2));
    params.set("theta", String(s.quadratic.angleDeg));
  }
  if (s.view === "race" || s.race.learningRate !== DEFAULT_RACE.learningRate || s.race.newtonDamping !== DEFAULT_RACE.newtonDamping) {
    params.set("lr", String(s.race.learningRate));
    params.set("lam", String(s.race.newtonDamping));
  }
  return `?${params.toString()}`;
}
