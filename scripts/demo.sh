#!/usr/bin/env bash
# The main job on the bundled example: installs what is missing, builds,
# exports a training run of 8 devices to MindIR files for 4 serving devices,
# shows what went where, and runs the single-device network and the 4
# per-device networks side by side to show they compute the same.
# Usage: scripts/demo.sh [output folder, default build/demo]
set -euo pipefail
source "$(dirname "$0")/common.sh"

ensure_packages "${MINDSHARD_PACKAGES[@]}"
build_mindshard

example=$MINDSHARD_ROOT/examples/transformer_8to4
out=${1:-$MINDSHARD_BUILD/demo}
bin=$MINDSHARD_BUILD/bin
rm -rf "$out"

say "exporting: 8 training ranks -> 4 serving devices"
(
  set -x
  "$bin/mindshard-export" --network "$example/network.mindir" \
    --train-strategy "$example/train_strategy.ckpt" \
    --checkpoint-dir "$example" --devices 4 --verify -o "$out"
)

say "what went where"
"$bin/mindshard-inspect" export "$out"

say "running the single-device network and the 4 device files side by side"
(
  set -x
  "$bin/mindshard-run" "$out"/network_rank_*.mindir \
    --group-file "$out/group_config.pb" \
    --input "$example/input_tokens.bin" \
    --reference "$example/network.mindir" \
    --compare "$example/expected_output_0.bin:16x32:float32" \
    --rtol 2e-3 --atol 1e-5
)
say "done: the 4 device files compute what the single-device network computes"
