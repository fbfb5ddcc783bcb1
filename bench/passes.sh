#!/usr/bin/env bash
# The sharding pipeline at scale: transformers of growing depth (about 1k,
# 10k and 100k ops), imported, laid out for 4 devices and partitioned by
# mindshard-opt; wall time and peak memory per size, and per op.
# Usage: bench/passes.sh [WORK_DIR]
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"

work=${1:-$MINDSHARD_BUILD/bench-passes}
ensure_packages "${MINDSHARD_PACKAGES[@]}" time
build_mindshard >/dev/null
bin=$MINDSHARD_BUILD/bin
mkdir -p "$work"

printf '%8s %8s %10s %10s %12s %12s\n' layers ops seconds "peak MiB" "us per op" "KiB per op"
for layers in 53 526 5263; do
  run=$work/l$layers
  "$bin/mindshard-bench-make-run" "$run" --layers "$layers" --hidden 64 \
    --ffn 256 --vocab 1000 --network-only >/dev/null
  ops=$(grep -c ' = mindir\.' "$run/network.mlir")
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$bin/mindshard-opt" \
    "$run/network.mlir" \
    --mindshard-sharding-pipeline="train-strategy=$run/train_strategy.ckpt devices=4" \
    -o "$work/out.mlir"
  read -r seconds kib < "$work/time.txt"
  printf '%8d %8d %10s %10s %12s %12s\n' "$layers" "$ops" "$seconds" \
    "$((kib / 1024))" "$(echo "scale=1; $seconds * 1000000 / $ops" | bc)" \
    "$(echo "scale=2; $kib / $ops" | bc)"
done
