/** @file random flag soup: every command either works or fails with one line and a documented code, never a crash */
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { runCli, smallProblem, tempDir } from "./cliHelpers.js";

test("random flags and values never crash the binary or replace an input (property, 16 runs)", async () => {
  const dir = tempDir();
  const p = await smallProblem(dir);
  const out = join(dir, "out.safetensors");
  const link = join(dir, "link.safetensors");
  symlinkSync(p.model, link);
  const inputs = [p.model, p.data].map((f) => [f, readFileSync(f)] as const);
  const command = fc.constantFrom("evaluate", "hvp", "spectrum", "train", "taylor", "density", "landscape", "nope");
  const flag = fc.constantFrom("--model", "--data", "--vector", "--curvature", "--top", "--bottom", "--dtype", "--max-iter", "--optimizer", "--out", "--seed", "--batch-size", "--lr", "--json", "--frobnicate");
  const value = fc.constantFrom(p.model, p.data, "/no/such/file", "-1", "0", "3", "1e309", "NaN", "float16", "ggn", "hessian", "hf", "", "--", out, link, "/dev/null");
  const args = fc.tuple(command, fc.array(fc.tuple(flag, value), { maxLength: 6 }));
  await fc.assert(
    fc.asyncProperty(args, async ([cmd, pairs]) => {
      const argv = [cmd, ...pairs.flat(), "--quiet"];
      const r = runCli(argv);
      const ok = [0, 1, 2, 3].includes(r.code);
      assert.ok(ok, `exit ${r.code} for ${argv.join(" ")}\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, `stack trace for ${argv.join(" ")}`);
      if (r.code !== 0) {
        assert.equal(r.stderr.trim().split("\n").length, 1, `one line for ${argv.join(" ")}:\n${r.stderr}`);
        assert.doesNotMatch(r.stderr, /internal error/, `internal error for ${argv.join(" ")}: ${r.stderr}`);
      }
      // whatever --out was given (an input, a link to one, a device), no input is ever replaced
      for (const [f, bytes] of inputs) assert.ok(readFileSync(f).equals(bytes), `${f} changed by ${argv.join(" ")}`);
      assert.ok(statSync("/dev/null").isCharacterDevice());
      await Promise.resolve();
    }),
    { numRuns: 16, seed: 42 },
  );
  assert.ok(!existsSync(join(dir, "no")));
});
