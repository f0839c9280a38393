/** @file one JSON vocabulary across commands: snake_case keys in full words (gradient_norm, standard_error), everywhere */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { toJson } from "../src/cli/json.js";
import { Rng, writeVector } from "../src/node.js";
import { runCli, smallProblem, tempDir } from "./cliHelpers.js";

/** Synonyms that an earlier version used for the same quantity in different commands. */
const RETIRED = new Set(["grad_norm", "stderr", "std_err", "gnorm"]);

/** Every key of a parsed JSON value, with its path. */
function keys(value: unknown, path = "$"): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => keys(v, `${path}[${i}]`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => [`${path}.${k}`, ...keys(v, `${path}.${k}`)]);
}

function assertVocabulary(command: string, json: unknown): void {
  for (const key of keys(json)) {
    const last = key.slice(key.lastIndexOf(".") + 1);
    assert.ok(!/[A-Z]/.test(last), `${command}: ${key} is not snake_case`);
    assert.ok(!RETIRED.has(last), `${command}: ${key} is a retired synonym (gradient_norm, standard_error)`);
  }
}

test("toJson: camelCase keys become snake_case, typed arrays become arrays, values are kept", () => {
  const out = toJson({ gradNorm: 1, trainLoss: [2, { cgIterations: 3 }], values: Float64Array.of(1, 2), standard_error: null, kind: "minimumLike" });
  assert.deepEqual(out, { grad_norm: 1, train_loss: [2, { cg_iterations: 3 }], values: [1, 2], standard_error: null, kind: "minimumLike" });
});

test("every command's --json speaks one vocabulary: snake_case, gradient_norm, standard_error", async () => {
  const dir = tempDir();
  const p = await smallProblem(dir);
  const rng = new Rng(3);
  const vf = join(dir, "v.safetensors");
  await writeVector(vf, p.net, Float64Array.from({ length: p.theta.length }, () => rng.normal()), "float64");
  const io = ["--model", p.model, "--data", p.data];
  const runs: [string, string[]][] = [
    ["evaluate", ["evaluate", ...io]],
    ["spectrum", ["spectrum", ...io, "--top", "2", "--density-probes", "2"]],
    ["hvp", ["hvp", ...io, "--vector", vf, "--curvature", "ggn", "--out", join(dir, "gv.safetensors")]],
    ["density", ["density", ...io, "--probes", "2", "--steps", "5", "--grid", "16", "--out", join(dir, "dens")]],
    ["taylor", ["taylor", ...io, "--steps", "4"]],
    ["train", ["train", ...io, "--optimizer", "hf", "--max-iter", "2", "--eval-every", "1", "--dtype", "float64"]],
  ];
  for (const [name, args] of runs) {
    const r = runCli([...args, "--json"]);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    assertVocabulary(name, json);
    if (name === "evaluate" || name === "train" || name === "spectrum" || name === "taylor") assert.equal(typeof json.gradient_norm, "number", `${name} reports gradient_norm`);
  }
});
