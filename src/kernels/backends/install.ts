/** @file choosing the GEMM backend at a Node entry point: native when built, else portable with a one-line notice */
import { setGemmBackend, type GemmBackend } from "./backend.js";
import { loadNativeBackend } from "./native.js";
import { portableBackend } from "./portable.js";
import { requestedThreads } from "./threads.js";
import { nodeWasmBackend } from "./wasmNode.js";

/**
 * Which backend to install: "auto" (native, else portable), "native", "portable" (WebAssembly
 * SIMD where available, else TypeScript), or "ts" (the scalar TypeScript reference).
 */
export type BackendChoice = "auto" | "native" | "portable" | "ts";

/** The portable backend: WebAssembly SIMD (on worker threads) when the engine has it, else scalar TypeScript. */
export function bestPortableBackend(notice?: (line: string) => void): GemmBackend {
  return nodeWasmBackend(requestedThreads(), notice) ?? portableBackend;
}

/**
 * Installs a backend for every later product and returns it. "auto" takes the native addon when
 * it loads and otherwise the portable one, telling `notice` why in one line (CLI entry points pass
 * stderr; tests pass nothing). "native" throws that line instead of falling back.
 */
export function installBackend(choice: BackendChoice, notice?: (line: string) => void): GemmBackend {
  if (choice === "portable" || choice === "ts") {
    const backend = choice === "ts" ? portableBackend : bestPortableBackend(notice);
    setGemmBackend(backend);
    return backend;
  }
  const load = loadNativeBackend();
  if (load.ok) {
    setGemmBackend(load.backend);
    return load.backend;
  }
  if (choice === "native") throw new Error(load.reason);
  const fallback = bestPortableBackend(notice);
  notice?.(`hessian-lab: using the portable ${fallback.name} backend: ${load.reason}`);
  setGemmBackend(fallback);
  return fallback;
}
