/** @file tuneAllocator: set through the native addon on glibc, and a no-op when asked for glibc's defaults */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { loadNativeBackend } from "./native.js";

const probe = (env: Record<string, string>): string => {
  const code = `import { tuneAllocator } from ${JSON.stringify(new URL("./allocator.ts", import.meta.url).href)}; console.log(String(tuneAllocator()));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { encoding: "utf8", env: { ...process.env, ...env } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
};

const glibc = process.platform === "linux" && typeof process.report?.getReport === "function" && "glibcVersionRuntime" in ((process.report.getReport() as { header?: object }).header ?? {});

test("tuneAllocator sets the policy where the addon and glibc are there, and HESSIAN_LAB_MALLOC=default leaves malloc alone", { skip: !(loadNativeBackend().ok && glibc) && "needs the native addon on glibc" }, () => {
  assert.equal(probe({}), "true");
  assert.equal(probe({ HESSIAN_LAB_MALLOC: "default" }), "false");
  assert.equal(probe({ HESSIAN_LAB_NATIVE: "0" }), "false");
});
