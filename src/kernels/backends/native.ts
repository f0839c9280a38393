/** @file the native GEMM backend (Node only): loads the C++ addon built from native/ by `npm ci` */
import { createRequire } from "node:module";
import { ACTIVATION_TABLE } from "../activations.js";
import type { GemmBackend, GemmCall } from "./backend.js";
import { portableLayerSteps, scaleByU } from "./portableLayerSteps.js";
import { requestedThreads } from "./threads.js";

/** What the addon (native/gemm.cc) exports. */
interface NativeAddon {
  /** The instruction set its runtime dispatch picked: "avx512", "avx2" or "generic". */
  isa(): string;
  /** gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads). */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array | Float64Array,
    lda: number,
    b: Float32Array | Float64Array,
    ldb: number,
    beta: number,
    c: Float32Array | Float64Array,
    ldc: number,
    threads: number,
  ): void;
  /** activate(kind, c, bias, d1, d2, rows, width, threads), kind an activation code ≤ LAST_NATIVE_ACTIVATION. */
  activate(
    kind: number,
    c: Float32Array | Float64Array,
    bias: Float32Array | Float64Array,
    d1: Float32Array | Float64Array,
    d2: Float32Array | Float64Array | null,
    rows: number,
    width: number,
    threads: number,
  ): void;
}

/** The addon's backward step and sigmoid cross-entropy (see GemmBackend). */
interface NativeEpilogues {
  backward(
    g: Float32Array | Float64Array,
    d1: Float32Array | Float64Array,
    rg: Float32Array | Float64Array | null,
    d2: Float32Array | Float64Array | null,
    bias: Float32Array | Float64Array,
    rows: number,
    width: number,
    threads: number,
  ): void;
  rforward(
    rz: Float32Array | Float64Array,
    vb: Float32Array | Float64Array,
    d1: Float32Array | Float64Array,
    d2: Float32Array | Float64Array | null,
    p2: Float32Array | Float64Array | null,
    rows: number,
    width: number,
    threads: number,
  ): void;
  sigmoidCe(
    y: Float32Array | Float64Array,
    t: Float32Array | Float64Array,
    grad: Float32Array | Float64Array,
    hdiag: Float32Array | Float64Array | null,
    n: number,
    threads: number,
  ): number;
  convert(src: Float32Array | Float64Array, dst: Float32Array | Float64Array, threads: number): void;
  /** glibc's mallopt(M_MMAP_THRESHOLD), mallopt(M_TRIM_THRESHOLD); false where not glibc (absent in older builds). */
  tuneMalloc?(mmapBytes: number, trimBytes: number): boolean;
}

/** Activation codes up to this one the addon evaluates (native/src/gemm.h ActivationKind: linear, relu, leaky_relu, sigmoid); the rest go to TypeScript. */
const LAST_NATIVE_ACTIVATION = ACTIVATION_TABLE.sigmoid.code;

function isAddon(x: unknown): x is NativeAddon & NativeEpilogues {
  if (typeof x !== "object" || x === null) return false;
  const fns = x as Record<string, unknown>;
  return ["gemm", "isa", "activate", "backward", "sigmoidCe", "rforward", "convert"].every((name) => typeof fns[name] === "function");
}

/** Where node-gyp leaves the addon, relative to this file in src/ or dist/ (both two levels below the root). */
const ADDON_PATH = "../../../native/build/Release/hessian_lab_native.node";

/** The result of trying to load the addon: a backend, or the one-line reason there is none. */
export type NativeLoad = { readonly ok: true; readonly backend: GemmBackend } | { readonly ok: false; readonly reason: string };

function backendOf(addon: NativeAddon & NativeEpilogues, threads: number): GemmBackend {
  const isa = addon.isa();
  const gemm = (c: GemmCall): void => {
    addon.gemm(c.transA, c.transB, c.m, c.n, c.k, c.alpha, c.a, c.lda, c.b, c.ldb, c.beta, c.c, c.ldc, threads);
  };
  const activate: GemmBackend["activate"] = (code, c, bias, d1, d2, rows, width) => {
    if (code <= LAST_NATIVE_ACTIVATION) addon.activate(code, c, bias, d1, d2, rows, width, threads);
    else portableLayerSteps.activate(code, c, bias, d1, d2, rows, width);
  };
  // the addon takes both element types for every other step (mixed types would be a caller's bug: it throws)
  return {
    name: `native-${isa}`,
    threads,
    gemm,
    activate,
    gemmActivate: (call, code, bias, d1, d2) => {
      gemm(call);
      activate(code, call.c, bias, d1, d2, call.m, call.n);
    },
    backwardStep: (g, d1, rg, d2, bias, rows, width) => addon.backward(g, d1, rg, d2, bias, rows, width, threads),
    rForwardStep: (rz, vb, d1, d2, p2, rows, width) => addon.rforward(rz, vb, d1, d2, p2, rows, width, threads),
    sigmoidCrossEntropy: (y, t, grad, hessian, n) => {
      const value = addon.sigmoidCe(y, t, grad, hessian?.out ?? null, n, threads);
      if (hessian !== null) scaleByU(hessian, n);
      return value;
    },
    convert: (src, dst) => addon.convert(src, dst, threads),
    withThreads: (t: number) => backendOf(addon, t),
  };
}

/**
 * Loads the addon; HESSIAN_LAB_NATIVE=0 turns it off and HESSIAN_LAB_THREADS=n caps its threads
 * (default 2: the benchmark machine's cores; more threads than cores only contend).
 */
export function loadNativeBackend(): NativeLoad {
  const addon = loadAddon();
  return addon.ok ? { ok: true, backend: backendOf(addon.addon, requestedThreads()) } : addon;
}

function loadAddon(): { readonly ok: true; readonly addon: NativeAddon & NativeEpilogues } | { readonly ok: false; readonly reason: string } {
  if (process.env.HESSIAN_LAB_NATIVE === "0") return { ok: false, reason: "disabled by HESSIAN_LAB_NATIVE=0" };
  let addon: unknown;
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH);
  } catch (e) {
    const why = e instanceof Error ? e.message.split("\n")[0]! : String(e);
    return { ok: false, reason: `native addon not built (${why}); run \`npm run build:native\`` };
  }
  if (!isAddon(addon)) return { ok: false, reason: "native addon has an unexpected interface" };
  return { ok: true, addon };
}

/**
 * Sets glibc's malloc mmap threshold and trim threshold for this process through the addon; false
 * when it cannot (no addon, not glibc). See tuneAllocator in allocator.ts for why and when.
 */
export function tuneNativeMalloc(mmapBytes: number, trimBytes: number): boolean {
  const load = loadAddon();
  return load.ok && load.addon.tuneMalloc !== undefined && load.addon.tuneMalloc(mmapBytes, trimBytes);
}
