// Builds the optional native GEMM addon (native/binding.gyp) with node-gyp; npm runs this as the
// package's `install` script, so `npm ci` builds it. It never fails the install: without a
// compiler, headers or node-gyp, it prints one line and the portable TypeScript backend is used.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

function nodeGyp() {
  // npm tells scripts where its bundled node-gyp is; otherwise look beside this node, then in deps
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), "../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"),
  ];
  try {
    candidates.push(createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js"));
  } catch {
    // not installed as a dependency: fine
  }
  return candidates.find((p) => p !== undefined && existsSync(p));
}

if (process.env.HESSIAN_LAB_NATIVE === "0") process.exit(0);
const gyp = nodeGyp();
if (gyp === undefined) {
  console.warn("hessian-lab: node-gyp not found; skipping the native GEMM addon (the portable backend will be used)");
  process.exit(0);
}
const args = [gyp, "rebuild", "--directory", here];
// Headers installed with node (Debian, nodesource, official tarballs) need no download: offline builds work
const prefix = dirname(dirname(process.execPath));
if (existsSync(join(prefix, "include/node/node_api.h"))) args.push(`--nodedir=${prefix}`);
const r = spawnSync(process.execPath, args, { stdio: process.env.HESSIAN_LAB_NATIVE_VERBOSE === "1" ? "inherit" : "pipe", encoding: "utf8" });
if (r.status !== 0) {
  const why = `${r.stderr ?? ""}`.split("\n").find((l) => /error/i.test(l)) ?? `node-gyp exited with ${r.status}`;
  console.warn(`hessian-lab: native GEMM addon not built (${why.trim()}); the portable backend will be used`);
}
process.exit(0);
