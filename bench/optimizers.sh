#!/usr/bin/env bash
# Issue 5's comparison: training error (Martens' metric: squared error summed over pixels, averaged
# over cases) after the same wall-clock budget, per optimizer, on the CURVES and MNIST autoencoders.
# Each run is `hessian-lab train --json`; results go to bench/results/optimizers-*.json and a
# markdown table on stdout. Usage: bash bench/optimizers.sh [seconds] [train-size]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-90}
cases=${2:-2000}
mkdir -p bench/results
bin="node dist/cli/main.js"
declare -A flags=(
  [momentum]="--optimizer momentum --lr 1 --batch-size 100"
  [adam]="--optimizer adam --lr 0.003 --batch-size 100"
  [lbfgs]="--optimizer lbfgs --batch-size $cases"
  [hf]="--optimizer hf --damping 0.01 --batch-size $cases --curvature-batch-size 250"
  [kfac]="--optimizer kfac --batch-size 250"
)
echo "| data set | optimizer | train error | test error | iterations | epochs |"
echo "|---|---|---|---|---|---|"
for dataset in curves mnist; do
  for opt in momentum adam lbfgs hf kfac; do
    out="bench/results/optimizers-$dataset-$opt.json"
    # shellcheck disable=SC2086
    $bin train --preset "$dataset" --dataset "$dataset" --train-size "$cases" --test-size 1000 \
      ${flags[$opt]} --max-seconds "$seconds" --seed 0 --dtype float32 --quiet --json > "$out"
    node -e '
      const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const last = r.history.at(-1);
      console.log(`| ${process.argv[2]} | ${process.argv[3]} | ${r.reconstruction_error.toFixed(2)} | ${r.test_loss === null ? "—" : r.test_loss.toFixed(4)} (BCE) | ${r.iterations} | ${last ? last.epoch.toFixed(2) : 0} |`);
    ' "$out" "$dataset" "$opt"
  done
done
