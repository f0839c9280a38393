/** @file the backends every kernel and derivative test table runs over (Node only: it tries the native addon) */
import type { GemmBackend } from "./backend.js";
import { loadNativeBackend } from "./native.js";
import { portableBackend } from "./portable.js";
import { wasmBackend } from "./wasm.js";

/**
 * The portable backends (scalar TypeScript; WebAssembly SIMD where the engine has it), and the native one (2 threads and 1 thread) where the addon is built, so
 * one table checks them all. Without the addon the native rows are skipped, not failed: `npm ci`
 * on a machine without a compiler still has a passing test suite.
 */
export function backendsUnderTest(): GemmBackend[] {
  const list: GemmBackend[] = [portableBackend];
  const wasm = wasmBackend();
  if (wasm !== null) list.push(wasm);
  const native = loadNativeBackend();
  if (native.ok) {
    list.push(native.backend);
    if (native.backend.withThreads !== undefined) list.push(native.backend.withThreads(1));
  }
  return list;
}
