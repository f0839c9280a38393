/** @file runs every ```ts example of README.md against the sources, so the README stays true */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";

const root = resolve(import.meta.dirname, "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

test("the README has TypeScript examples", () => {
  assert.ok(examples.length >= 3);
});

examples.forEach((code, i) => {
  test(`README example ${i + 1} runs`, () => {
    // the package's own name resolves to the sources, as `hessian-lab` does for a user after npm install
    const source = code
      .replaceAll('from "hessian-lab/node"', `from ${JSON.stringify(join(root, "src/node.ts"))}`)
      .replaceAll('from "hessian-lab"', `from ${JSON.stringify(join(root, "src/index.ts"))}`);
    const file = join(mkdtempSync(join(tmpdir(), "readme-")), `example${i + 1}.mts`);
    writeFileSync(file, source);
    const r = spawnSync(process.execPath, ["--import", "tsx", file], { encoding: "utf8", cwd: root });
    assert.equal(r.status, 0, `example ${i + 1} failed:\n${r.stderr}`);
  });
});
