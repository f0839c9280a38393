// Runs every *.test.ts under src/, test/ and web/ with Node's own test runner (through tsx). Node 20's
// --test takes no globs, hence this small walker. The browser tests load the built library from
// dist/, so when they are among the files, dist/ is rebuilt first (a stale one tests old code).
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function testFiles(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === "node_modules" || name === "dist") continue;
    if (statSync(path).isDirectory()) found.push(...testFiles(path));
    else if (name.endsWith(".test.ts")) found.push(path);
  }
  return found;
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : ["src", "test", "web"].flatMap((d) => testFiles(d)).sort();
if (files.some((f) => /(^|\/)test\/browser/.test(f))) {
  const build = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=2", ...files],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
