/** @file the docs a user gets: links that resolve inside the repository, the theory and architecture pages, the names the CLI accepts */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { ACTIVATIONS, INITIALIZERS, LOSSES } from "../src/index.js";
import { runCli } from "./cliHelpers.js";

const root = resolve(import.meta.dirname, "..");
const pages = ["README.md", ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => join("docs", f))];
const read = (page: string): string => readFileSync(join(root, page), "utf8");

test("README and docs link only to files the repository has (no ../shared/…)", () => {
  for (const page of pages) assert.doesNotMatch(read(page), /\.\.\/shared\//, `${page} points outside the repository`);
  // cli.md's other sections belong to other changes; these pages' links are checked one by one
  for (const page of ["README.md", "docs/architecture.md", "docs/theory.md", "docs/pytorch.md"]) {
    const text = read(page);
    for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      assert.ok(existsSync(resolve(dirname(join(root, page)), target!)), `${page} links to missing ${target}`);
    }
  }
});

test("the theory and architecture pages exist and carry their formulas and the engine route", () => {
  const theory = read("docs/theory.md");
  for (const piece of ["H = Q Λ Qᵀ", "Hv = ∂/∂ε ∇L(θ + εv)", "Jᵀ H_ℓ J", "(G + λI) p = −∇L", "Ā_{l−1} ⊗ G_l", "ρ = 1 / yᵀs", "½ δᵀHδ", "δ⁽ˡ⁻¹⁾ = (δ⁽ˡ⁾ (W⁽ˡ⁾)ᵀ) ⊙ f′"]) {
    assert.ok(theory.includes(piece), `theory.md lacks ${piece}`);
  }
  const architecture = read("docs/architecture.md");
  for (const piece of ["NetworkEngine", "riskLoop.ts", "LinearOperator", "hessian-lab/node"]) assert.ok(architecture.includes(piece), `architecture.md lacks ${piece}`);
  const readme = read("README.md");
  for (const piece of ["docs/theory.md", "docs/architecture.md", "npm pack", 'from "hessian-lab/node"']) assert.ok(readme.includes(piece), `README lacks ${piece}`);
});

test("docs/cli.md lists every activation, loss and initializer the flags accept", () => {
  const cli = read("docs/cli.md");
  for (const name of [...ACTIVATIONS, ...LOSSES, ...INITIALIZERS]) assert.ok(cli.includes(`\`${name}\``), `docs/cli.md lacks \`${name}\``);
});

test("train --help shows every per-optimizer default and every choice list, and why its dtype differs", () => {
  const r = runCli(["train", "--help"]);
  assert.equal(r.code, 0);
  const help = r.stdout.replace(/\s+/g, " ");
  for (const piece of ["sgd 0.1", "adam 0.001", "kfac 0.1", "natural 0.1", "hf 0.01", "newton 0", "all cases for newton, newton-cg, bfgs, lbfgs; 256 otherwise", "the analysis commands default to float64"]) {
    assert.ok(help.includes(piece), `train --help lacks "${piece}"`);
  }
  for (const name of [...ACTIVATIONS, ...LOSSES, ...INITIALIZERS, "lbfgs", "newton-cg"]) assert.ok(help.includes(`"${name}"`), `train --help lacks the choice "${name}"`);
  assert.match(help, /--gtol <g>.*default: 1e-7/);
});
