// Reads bench/jaxjs.sh's per-round JSON and prints medians and ratios (target: ours ≥ 3× faster).
import { readFileSync } from "node:fs";
import { join } from "node:path";

const [dir, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const jax = [];
const ours = [];
for (let r = 1; r <= rounds; r++) {
  jax.push(JSON.parse(readFileSync(join(dir, `jaxjs-${r}.json`), "utf8")));
  ours.push(JSON.parse(readFileSync(join(dir, `ours-${r}.json`), "utf8")));
}
const row = ours[0].results.find((x) => x.model === "mnist-autoencoder");
const ourMs = (k) => median(ours.map((o) => o.results.find((x) => x.model === "mnist-autoencoder")[`${k}_ms`]));
const jaxMs = (k) => median(jax.map((j) => (typeof j.best[`${k}_ms`] === "number" ? j.best[`${k}_ms`] : Infinity)));
const ourGemm = median(ours.map((o) => Math.max(...o.gemm.map((g) => g.gflops))));
const jaxGemm = median(jax.map((j) => j.gemm_gflops_1024));
const m = ours[0].machine;
console.log(`machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}; ${rounds} alternating rounds, medians; batch ${row.batch}, ${row.dtype}`);
console.log(`hessian-lab backend: ${ours[0].backend}; jax-js ${jax[0].jaxjs} ${jax[0].backend}, ${jax[0].threads} workers, best of jit/eager per product; jax-js Hv: ${jax[0].hv_method}`);
console.log("| | grad ms | Hv ms | Gv ms | GEMM GFLOP/s |");
console.log("|---|---|---|---|---|");
console.log(`| hessian-lab portable | ${ourMs("grad").toFixed(0)} | ${ourMs("hv").toFixed(0)} | ${ourMs("gv").toFixed(0)} | ${ourGemm.toFixed(1)} |`);
console.log(`| jax-js 0.1.25 | ${jaxMs("grad").toFixed(0)} | ${jaxMs("hv").toFixed(0)} | ${jaxMs("gv").toFixed(0)} | ${jaxGemm.toFixed(1)} |`);
const speedup = (k) => jaxMs(k) / ourMs(k);
const mark = (x) => `${x.toFixed(2)}× ${x >= 3 ? "✓" : "✗"}`;
console.log(`| speed-up (target ≥ 3×) | ${mark(speedup("grad"))} | ${mark(speedup("hv"))} | ${mark(speedup("gv"))} | ${(ourGemm / jaxGemm).toFixed(2)}× |`);
