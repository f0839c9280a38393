#!/usr/bin/env bash
# Issue 7's portable-backend comparison: hessian-lab's WebAssembly backend against jax-js 0.1.25
# (wasm, 2 workers) on the MNIST autoencoder at batch 1000 in float32, measured side by side:
# rounds alternate between the two, each in fresh processes, and the table takes medians.
# jax-js is installed into a side folder (default /tmp/hessian-lab-jaxjs), never into the project.
# Usage: bench/jaxjs.sh [ROUNDS=3] [SIDE_DIR]      (run from the repository root after npm ci)
set -euo pipefail
rounds="${1:-3}"
side="${2:-/tmp/hessian-lab-jaxjs}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/bench/results/jaxjs"
mkdir -p "$side" "$out"
if [ ! -d "$side/node_modules/@jax-js/jax" ]; then
  (cd "$side" && [ -f package.json ] || echo '{"private":true,"type":"module"}' > package.json)
  (cd "$side" && npm install --no-audit --no-fund @jax-js/jax@0.1.25 >/dev/null)
fi
cp "$root/bench/jaxjs_bench.mjs" "$side/"
for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds: jax-js" >&2
  (cd "$side" && node jaxjs_bench.mjs --batch 1000 --threads 2 --reps 3 --warmup 2 --jit both --no-check) > "$out/jaxjs-$r.json" 2> "$out/jaxjs-$r.log"
  echo "round $r/$rounds: hessian-lab portable" >&2
  node "$root/dist/cli/main.js" bench --backend portable --models mnist-autoencoder --rounds 1 --repeats 3 --warmup 2 --json --quiet > "$out/ours-$r.json"
done
node "$root/bench/jaxjs_table.mjs" "$out" "$rounds"
