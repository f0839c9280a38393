// jax-js 0.1.25 on issue 7's workload, for bench/jaxjs.sh: the MNIST deep autoencoder
// 784-1000-500-250-30-250-500-1000-784 (logistic hidden units, linear code, logistic output +
// cross-entropy), gradient / Hv / Gv at one batch in float32, and GEMM GFLOP/s.
// Runs from a folder where @jax-js/jax is installed (not one of hessian-lab's dependencies).
// Usage: node jaxjs_bench.mjs [--batch 1000] [--threads 2] [--reps 5] [--warmup 2] [--jit both|on|off] [--gemm-n 1024] [--no-check]
import { Worker as NodeWorker } from "node:worker_threads";

// ---------------------------------------------------------------- args
const argv = process.argv.slice(2);
function arg(name, def) {
  const i = argv.indexOf("--" + name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : def;
}
const BATCH = parseInt(arg("batch", "1000"));
const THREADS = parseInt(arg("threads", "2"));
const REPS = parseInt(arg("reps", "5"));
const WARMUP = parseInt(arg("warmup", "2"));
const JITMODE = arg("jit", "both"); // both | on | off
const GEMM_N = parseInt(arg("gemm-n", "1024"));
const notes = [];
const log = (...a) => console.error("[bench]", ...a);

// ---------------------------------------------------------------- threads
// jax-js's wasm backend parallelizes kernels over a pool of *Web Workers* sharing a
// SharedArrayBuffer-backed WebAssembly.Memory; pool size = navigator.hardwareConcurrency
// (fallback 4). The pool is only created if globalThis.Worker exists, which Node 20 lacks,
// so out of the box Node 20 runs single-threaded on the main thread. For --threads N>1 we
// install a minimal Web-Worker shim on node:worker_threads and set hardwareConcurrency=N
// BEFORE importing jax-js (the wasm backend is constructed at import time).
if (THREADS > 1) {
  const sources = new Map();
  let nextId = 0;
  const OrigBlob = globalThis.Blob;
  globalThis.Blob = class extends OrigBlob {
    constructor(parts, opts) {
      super(parts, opts);
      if (parts && parts.every((p) => typeof p === "string")) this.__src = parts.join("");
    }
  };
  const origCreate = URL.createObjectURL.bind(URL);
  const origRevoke = URL.revokeObjectURL.bind(URL);
  URL.createObjectURL = (blob) => {
    if (blob && blob.__src !== undefined) {
      const u = "jaxjs-shim:" + nextId++;
      sources.set(u, blob.__src);
      return u;
    }
    return origCreate(blob);
  };
  URL.revokeObjectURL = (u) => (sources.has(u) ? sources.delete(u) : origRevoke(u));
  const PRELUDE = `
const { parentPort } = require("node:worker_threads");
globalThis.self = globalThis;
globalThis.postMessage = (m) => parentPort.postMessage(m);
parentPort.on("message", (data) => { if (self.onmessage) self.onmessage({ data }); });
`;
  globalThis.Worker = class ShimWorker {
    constructor(url) {
      const src = sources.get(String(url));
      if (src === undefined) throw new Error("ShimWorker: unknown url " + url);
      this.onmessage = null;
      this.onerror = null;
      this._w = new NodeWorker(PRELUDE + src, { eval: true });
      this._w.on("message", (data) => this.onmessage && this.onmessage({ data }));
      this._w.on("error", (e) => this.onerror && this.onerror(e));
    }
    postMessage(m) {
      this._w.postMessage(m);
    }
    terminate() {
      this._w.terminate();
    }
  };
  Object.defineProperty(globalThis, "navigator", {
    value: { hardwareConcurrency: THREADS },
    configurable: true,
    writable: true,
  });
}

const jax = await import("@jax-js/jax");
const { numpy: np, nn, tree, jit, grad, jvp, vjp, blockUntilReady, init, defaultDevice } = jax;
const devs = await init("wasm");
defaultDevice("wasm");
const threadsUsed = THREADS > 1 ? THREADS : 1;
log(`devices=${devs} backend=wasm threads=${threadsUsed} batch=${BATCH}`);

// ---------------------------------------------------------------- data (fixed-seed JS PRNG)
function mulberry32(a) {
  return () => {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rng = mulberry32(12345);
function randn(n, std) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = Math.max(rng(), 1e-12), u2 = rng();
    const r = Math.sqrt(-2 * Math.log(u1));
    a[i] = std * r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) a[i + 1] = std * r * Math.sin(2 * Math.PI * u2);
  }
  return a;
}
function randu(n) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng();
  return a;
}
const SIZES = [784, 1000, 500, 250, 30, 250, 500, 1000, 784];
const NL = SIZES.length - 1;
const CODE = 3; // layer 250->30 is the linear code layer
function makeParams(std) {
  const p = [];
  for (let i = 0; i < NL; i++) {
    p.push(np.array(randn(SIZES[i] * SIZES[i + 1], std)).reshape([SIZES[i], SIZES[i + 1]]));
    p.push(np.array(randn(SIZES[i + 1], std)));
  }
  return p; // [W0, b0, W1, b1, ...]
}
const nParams = SIZES.slice(0, -1).reduce((s, n, i) => s + n * SIZES[i + 1] + SIZES[i + 1], 0);

// ---------------------------------------------------------------- model (ownership: consumes args)
function forward(params, x) {
  let a = x;
  for (let i = 0; i < NL; i++) {
    const z = np.matmul(a, params[2 * i]).add(params[2 * i + 1]);
    a = i === CODE || i === NL - 1 ? z : nn.sigmoid(z);
  }
  return a; // logits
}
function loss(params, x, t) {
  const y = forward(params, x);
  return nn.softplus(y.ref).sub(t.mul(y)).sum().div(BATCH);
}
const gradRaw = (params, x, t) => grad(loss)(params, x, t);
// Hv, forward-over-reverse: jvp(grad(loss))
const hvForRaw = (params, v, x, t) => {
  const [g, hv] = jvp((p) => grad(loss)(p, x.ref, t.ref), [params], [v]);
  tree.dispose(g);
  x.dispose(); t.dispose();
  return hv;
};
// Hv, reverse-over-forward: grad_p <grad loss(p), v> computed as grad(p -> jvp(loss)(p; v))
const hvRofRaw = (params, v, x, t) => {
  const hv = grad((p) => {
    const [l, dl] = jvp((q) => loss(q, x.ref, t.ref), [p], [tree.ref(v)]);
    l.dispose();
    return dl;
  })(params);
  tree.dispose(v); x.dispose(); t.dispose();
  return hv;
};
const hvRaw = hvRofRaw;
// Gv = J^T H_out J v. One vjp whose traced function also runs the jvp (tangent returned as aux),
// so the forward pass is shared: 1 primal + 1 tangent forward, 1 backward.
const gvRaw = (params, v, x, t) => {
  const [y, vjpFn, jv] = vjp(
    (p) => {
      const [yy, jj] = jvp((q) => forward(q, x.ref), [p], [tree.ref(v)]);
      return [yy, jj];
    },
    [params],
    { hasAux: true },
  );
  const s = nn.sigmoid(y);
  const h = s.ref.mul(s.neg().add(1)).div(BATCH);
  const [gv] = vjpFn(h.mul(jv));
  vjpFn.dispose();
  tree.dispose(v); x.dispose(); t.dispose();
  return gv;
};

// ---------------------------------------------------------------- helpers
const median = (a) => { const s = [...a].sort((p, q) => p - q); return s[Math.floor(s.length / 2)]; };
async function timeIt(label, fn, makeArgs) {
  // fn consumes its args; result tree is blocked on, then disposed.
  const run = async () => {
    const args = makeArgs();
    const t0 = performance.now();
    const out = fn(...args);
    await blockUntilReady(out);
    const dt = performance.now() - t0;
    tree.dispose(out);
    return dt;
  };
  let warm = 0;
  for (let i = 0; i < WARMUP; i++) warm = await run();
  const ts = [];
  for (let i = 0; i < REPS; i++) ts.push(await run());
  log(`${label}: warmup ${warm.toFixed(1)} ms, times ${ts.map((t) => t.toFixed(1)).join(" ")} -> median ${median(ts).toFixed(1)} ms`);
  return median(ts);
}
async function toF32(a) { return await a.data(); } // consumes a
function dot(a, b) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; }
async function flat(treeArr) { // consumes
  const parts = [];
  for (const a of treeArr) parts.push(await toF32(a));
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new Float64Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

// ---------------------------------------------------------------- setup
const params = makeParams(0.01);
const X = np.array(randu(BATCH * 784)).reshape([BATCH, 784]);
const V = makeParams(1.0); // direction for Hv/Gv and finite differences
await blockUntilReady([params, X, V]);
const argsG = () => [tree.ref(params), X.ref, X.ref];
const argsV = () => [tree.ref(params), tree.ref(V), X.ref, X.ref];

// ---------------------------------------------------------------- GEMM
let gemm = null;
try {
  const n = GEMM_N;
  const A = np.array(randu(n * n)).reshape([n, n]);
  const B = np.array(randu(n * n)).reshape([n, n]);
  await blockUntilReady([A, B]);
  const mm = jit((a, b) => np.matmul(a, b));
  const t = await timeIt(`gemm n=${n} (jit)`, mm, () => [A.ref, B.ref]);
  const t2 = await timeIt(`gemm n=${n} (eager)`, (a, b) => np.matmul(a, b), () => [A.ref, B.ref]);
  const best = Math.min(t, t2);
  gemm = (2 * n ** 3) / (best * 1e-3) / 1e9;
  notes.push(`gemm median ms: jit ${t.toFixed(2)}, eager ${t2.toFixed(2)} (best used)`);
  A.dispose(); B.dispose();
} catch (e) { gemm = "ERROR: " + String(e && e.message || e); }

// ---------------------------------------------------------------- correctness (jit versions)
const jgrad = jit(gradRaw), jhv = jit(hvRaw), jgv = jit(gvRaw), jloss = jit(loss);
const check = {};
if (argv.includes("--no-check")) check.skipped = true;
else try {
  const lossAt = async (D, eps, f64) => {
    const c = (a) => (f64 ? a.astype(np.float64) : a);
    const p = params.map((w, i) => c(w.ref).add(c(D[i].ref).mul(eps)));
    return (await toF32(jloss(p, c(X.ref), c(X.ref))))[0];
  };
  const L0 = await lossAt(V, 0, false);
  const gArrs = jgrad(...argsG());
  await blockUntilReady(gArrs);
  const g = await flat(tree.ref(gArrs));
  const gnorm = Math.sqrt(dot(g, g));
  // FD along the unit gradient direction d = g/|g| (well conditioned: exact slope = |g|)
  const Dg = gArrs.map((a) => a.mul(1 / gnorm));
  const slope = gnorm;
  const fd = async (eps, f64) => ((await lossAt(Dg, eps, f64)) - (await lossAt(Dg, -eps, f64))) / (2 * eps);
  const fd32 = await fd(1e-2, false);
  let fd64 = null;
  try { fd64 = await fd(1e-3, true); } catch (e) { check.fd64_error = String(e && e.message || e); }
  tree.dispose(Dg);
  Object.assign(check, {
    loss0: L0, grad_norm: gnorm,
    fd32_slope: fd32, fd32_rel_err: Math.abs(fd32 - slope) / slope,
    fd64_slope: fd64, fd64_rel_err: fd64 === null ? null : Math.abs(fd64 - slope) / slope,
    fd_ok: Math.abs(fd32 - slope) / slope < 1e-2,
  });
  const vflat = await flat(tree.ref(V));
  // Hv (reverse-over-forward) vs central difference of gradients along V
  try {
    const hv = await flat(jhv(...argsV()));
    const eps = 1e-3;
    const gAt = async (e) => flat(jgrad(params.map((w, i) => w.ref.add(V[i].ref.mul(e))), X.ref, X.ref));
    const gp = await gAt(eps), gm = await gAt(-eps);
    let num = 0, den = 0;
    for (let i = 0; i < hv.length; i++) { const f = (gp[i] - gm[i]) / (2 * eps); num += (f - hv[i]) ** 2; den += hv[i] ** 2; }
    Object.assign(check, { hv_norm: Math.sqrt(den), hv_fd_rel_err: Math.sqrt(num / den), vHv: dot(vflat, hv) });
  } catch (e) { check.hv_error = String(e && e.message || e); }
  // Gv: v^T G v must equal sum(h * (Jv)^2) computed independently via jvp
  try {
    const gvv = await flat(jgv(...argsV()));
    const [y, jv] = jvp((q) => forward(q, X.ref), [tree.ref(params)], [tree.ref(V)]);
    const s = nn.sigmoid(y);
    const quad = (await toF32(s.ref.mul(s.neg().add(1)).mul(jv.ref).mul(jv).sum().div(BATCH)))[0];
    const vGv = dot(vflat, gvv);
    Object.assign(check, { gv_norm: Math.sqrt(dot(gvv, gvv)), vGv, vGv_direct: quad, vGv_rel_err: Math.abs(vGv - quad) / Math.abs(quad) });
  } catch (e) { check.gv_error = String(e && e.message || e); }
} catch (e) {
  check.error = String(e && e.stack || e);
}
log("check", JSON.stringify(check));

// ---------------------------------------------------------------- timings
const results = {};
const modes = JITMODE === "both" ? ["jit", "nojit"] : JITMODE === "on" ? ["jit"] : ["nojit"];
for (const mode of modes) {
  const fns = mode === "jit" ? { grad: jgrad, hv: jhv, gv: jgv } : { grad: gradRaw, hv: hvRaw, gv: gvRaw };
  const r = {};
  for (const [k, f, mk] of [["grad", fns.grad, argsG], ["hv", fns.hv, argsV], ["gv", fns.gv, argsV]]) {
    try { r[k] = await timeIt(`${mode} ${k}`, f, mk); }
    catch (e) { r[k] = "ERROR: " + String(e && e.message || e); log(`${mode} ${k} failed:`, e); }
  }
  results[mode] = r;
}

// ---------------------------------------------------------------- Hv forward-over-reverse (last: on failure it
// leaks the partially allocated wasm memory, which would poison later measurements)
const hvFor = {};
for (const mode of modes) {
  try { hvFor[mode] = await timeIt(`${mode} hv fwd-over-rev`, mode === "jit" ? jit(hvForRaw) : hvForRaw, argsV); }
  catch (e) { hvFor[mode] = "ERROR: " + String(e && e.message || e); log(`${mode} hv fwd-over-rev failed:`, String(e)); break; }
}

// ---------------------------------------------------------------- pick + output
const num = (x) => (typeof x === "number" ? x : Infinity);
let pick = modes[0];
if (modes.length === 2) {
  const tot = (m) => ["grad", "hv", "gv"].reduce((s, k) => s + num(results[m][k]), 0);
  pick = tot("jit") <= tot("nojit") ? "jit" : "nojit";
}
const r = results[pick];
const fmt = (x) => (typeof x === "number" ? +x.toFixed(2) : x);
notes.push(`params=${nParams}, batch=${BATCH}, reps=${REPS} (median, after 1 warm-up), timing stops after blockUntilReady() on all outputs`);
notes.push(`all timings: ${JSON.stringify(Object.fromEntries(Object.entries(results).map(([m, v]) => [m, Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fmt(x)]))])))}`);
notes.push(`hv_ms = reverse-over-forward grad(p -> jvp(loss,p;v)); forward-over-reverse jvp(grad(loss)) median ms: ${JSON.stringify(Object.fromEntries(Object.entries(hvFor).map(([k, x]) => [k, fmt(x)])))}`);
notes.push("Gv = vjp(f, hasAux: jvp(f)) then J^T (sigma(1-sigma)/B * Jv)");
notes.push(threadsUsed > 1 ? `wasm worker pool of ${threadsUsed} via Web-Worker shim over node:worker_threads (Node 20 has no global Worker/navigator)` : "wasm single-threaded (no Worker in Node 20)");
notes.push("check: " + JSON.stringify(check));
const out = {
  jaxjs: "0.1.25",
  backend: "wasm",
  threads: threadsUsed,
  jit: pick === "jit",
  grad_ms: fmt(r.grad),
  hv_ms: fmt(r.hv),
  hv_method: "reverse-over-forward (grad of jvp)",
  hv_fwd_over_rev_ms: fmt(hvFor[pick] ?? hvFor.jit),
  gv_ms: fmt(r.gv),
  // the faster of jit and eager per product (the fairest number for jax-js)
  best: Object.fromEntries(["grad", "hv", "gv"].map((k) => [`${k}_ms`, fmt(Math.min(...modes.map((m) => num(results[m][k]))))])),
  gemm_gflops_1024: typeof gemm === "number" ? +gemm.toFixed(2) : gemm,
  notes,
};
console.log(JSON.stringify(out, null, 2));
process.exit(0);
