/** @file the backends every kernel and derivative test table runs over (Node only: it tries the native addon) */
import type { GemmBackend } from "./backend.js";
import { loadNativeBackend } from "./native.js";
import { portableBackend } from "./portable.js";
import { wasmBackend } from "./wasm.js";
import { nodeWasmBackend } from "./wasmNode.js";

let cached: GemmBackend[] | null = null;

/**
 * The portable backends (scalar TypeScript; WebAssembly SIMD where the engine has it, on one
 * thread and on two), and the native one (2 threads and 1 thread) where the addon is built, so
 * one table checks them all. Without the addon the native rows are skipped, not failed: `npm ci`
 * on a machine without a compiler still has a passing test suite. Created once per process (the
 * threaded backend starts a worker); await `backendsReady()` before timing-independent checks
 * that must exercise the threaded path.
 */
export function backendsUnderTest(): GemmBackend[] {
  if (cached !== null) return cached;
  const list: GemmBackend[] = [portableBackend];
  const wasm = wasmBackend();
  if (wasm !== null) list.push(wasm);
  const threaded = nodeWasmBackend(2);
  if (threaded !== null) list.push(threaded);
  const native = loadNativeBackend();
  if (native.ok) {
    list.push(native.backend);
    if (native.backend.withThreads !== undefined) list.push(native.backend.withThreads(1));
  }
  cached = list;
  return list;
}

/** Resolves once every backend under test has its helper threads up. */
export async function backendsReady(): Promise<void> {
  for (const b of backendsUnderTest()) if (b.whenReady !== undefined) await b.whenReady();
}
