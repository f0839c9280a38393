/** @file links: the documented ?f=NAME&x=X&y=Y form, round trips, and untrusted input falling back to defaults */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_QUADRATIC, labFunction } from "./functions.js";
import { DEFAULT_RACE, parseState, serializeState } from "./urlState.js";

test("?f=himmelblau&x=-0.270845&y=-0.923039 opens the lab on himmelblau at that point", () => {
  const s = parseState("?f=himmelblau&x=-0.270845&y=-0.923039");
  assert.deepEqual(s, { view: "lab", fn: "himmelblau", x: -0.270845, y: -0.923039, quadratic: DEFAULT_QUADRATIC, race: DEFAULT_RACE });
});

test("serializeState then parseState gives the state back, to the last bit of x and y", () => {
  const states = [
    { view: "lab", fn: "quadratic", x: Math.PI, y: -1 / 3, quadratic: { lambda1: -2.5, lambda2: 0.1, angleDeg: 45 }, race: DEFAULT_RACE },
    { view: "race", fn: "monkey-saddle", x: 1e-300, y: -2.5e-17, quadratic: DEFAULT_QUADRATIC, race: { learningRate: 0.0123, newtonDamping: 2.5 } },
  ] as const;
  for (const s of states) assert.deepEqual(parseState(serializeState(s)), s);
});

test("unknown names, non-numbers and out-of-range sliders fall back or clamp instead of breaking the page", () => {
  const s = parseState("?f=nope&x=abc&y=&l1=99&theta=-1e9&view=zzz");
  assert.equal(s.fn, "rosenbrock");
  assert.equal(s.view, "lab");
  assert.deepEqual([s.x, s.y], labFunction("rosenbrock").start);
  const q = parseState("?f=quadratic&l1=99&l2=NaN&theta=-1e9");
  assert.deepEqual(q.quadratic, { lambda1: 5, lambda2: DEFAULT_QUADRATIC.lambda2, angleDeg: -90 });
  assert.ok(!serializeState(parseState("?f=booth")).includes("l1="), "quadratic sliders only in quadratic links");
  assert.deepEqual(parseState("?view=race&lr=-1&lam=1e9").race, { learningRate: DEFAULT_RACE.learningRate, newtonDamping: 100 });
});
