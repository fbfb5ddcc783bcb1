#!/usr/bin/env bash
# A conformance sweep against the independent scenario generator: a grid of
# training runs (scripts/sweep_scenarios.py: four networks over parallel
# degrees, serving device counts, layers, dtypes, optimizer sharding, CRC
# trailers and chunked records). Each is exported with --verify, the runs
# taking turns at the MindIR layouts; its device files are run together
# against the single-device network and the output the generator computed;
# exported once more one device per process, it must give the same files.
# Runs whose op strategies cannot fit their serving devices must be refused
# with a message saying so.
#
# Usage: scripts/sweep.sh PEER_DIR [WORK_DIR]
#   PEER_DIR holds generator/scenarios.py (Debian's python3-numpy and
#   python3-protobuf; neither is part of mindshard, and the test suite does
#   not need them).
set -euo pipefail
source "$(dirname "$0")/common.sh"

peer=${1:?give the folder of the generator}
work=${2:-$MINDSHARD_BUILD/sweep}
ensure_packages "${MINDSHARD_PACKAGES[@]}" python3-numpy python3-protobuf
build_mindshard >/dev/null
bin=${MINDSHARD_BIN:-$MINDSHARD_BUILD/bin}
python=/usr/bin/python3

rm -rf "$work"
mkdir -p "$work/logs"
say "generating the training runs"
"$python" "$MINDSHARD_ROOT/scripts/sweep_scenarios.py" "$peer" "$work/runs"

# The value of KEY in a scenario.json, or the --compare options of its
# expected outputs.
scenario() {
  "$python" - "$@" <<'PY'
import json, sys
path, what = sys.argv[1], sys.argv[2]
meta = json.load(open(path))
folder = path.rsplit("/", 1)[0]
if what == "compare":
    print(" ".join(f"--compare {folder}/{name}:{'x'.join(map(str, f['shape']))}:float32"
                   for name, f in sorted(meta["files"].items())
                   if name.startswith("expected_output_")))
elif what == "rtol":
    print({"Float32": "1e-4", "Float16": "5e-3"}.get(meta["weights_dtype"], "3e-2"))
else:
    print(meta[what])
PY
}

# The runs take turns at the writer's layouts: weights inside the file as
# MindSpore 2.2 writes them, past a threshold in <name>_variables/, and
# MindSpore 2.3's init arguments as graph inputs.
variants=("" "--external-data-threshold=1000" "--mindir-target-version=2.3")
matched=0 refused=0 failed=() index=0
for folder in "$work"/runs/*/; do
  variant=${variants[$((index % ${#variants[@]}))]}
  index=$((index + 1))
  name=$(basename "$folder")
  run=$(dirname "$(ls "$folder"/*/scenario.json)")
  out=$work/out/$name log=$work/logs/$name
  devices=$(scenario "$run/scenario.json" predict_devices)
  if grep -qx "$name" "$work/runs/expected_refusals"; then
    if "$bin/mindshard-export" --network "$run/network.mindir" \
        --train-strategy "$run/train_strategy.ckpt" --checkpoint-dir "$run" \
        --devices "$devices" --no-progress -o "$out" >"$log.export" 2>&1 ||
        ! grep -q "which does not divide it" "$log.export" || [ -e "$out" ]; then
      failed+=("$name: not refused as it should be (see $log.export)")
    else
      refused=$((refused + 1))
    fi
    continue
  fi
  if ! "$bin/mindshard-export" --network "$run/network.mindir" \
      --train-strategy "$run/train_strategy.ckpt" --checkpoint-dir "$run" \
      --devices "$devices" --verify --no-progress $variant -o "$out" \
      >"$log.export" 2>&1; then
    failed+=("$name $variant: the export failed (see $log.export)")
    continue
  fi
  files=()
  for ((rank = 0; rank < devices; ++rank)); do
    # Past the threshold, the graph is <name>_graph.mindir.
    file=$out/network_rank_${rank}_graph.mindir
    [ -e "$file" ] || file=$out/network_rank_$rank.mindir
    files+=("$file")
  done
  inputs=()
  for input in "$run"/input_*.bin; do
    inputs+=(--input "$input")
  done
  # shellcheck disable=SC2046
  if ! "$bin/mindshard-run" "${files[@]}" --group-file "$out/group_config.pb" \
      "${inputs[@]}" --reference "$run/network.mindir" \
      $(scenario "$run/scenario.json" compare) \
      --rtol "$(scenario "$run/scenario.json" rtol)" --atol 1e-3 \
      >"$log.run" 2>&1; then
    failed+=("$name $variant: the devices do not compute what the network does (see $log.run)")
    continue
  fi
  # One process per device writes the same files.
  single=ok
  for ((rank = 0; rank < devices; ++rank)); do
    "$bin/mindshard-export" --network "$run/network.mindir" \
      --train-strategy "$run/train_strategy.ckpt" --checkpoint-dir "$run" \
      --devices "$devices" --rank "$rank" --no-progress $variant \
      -o "$out.ranks" >>"$log.ranks" 2>&1 || single=failed
  done
  # Each process writes a manifest of its own.
  if [ $single != ok ] ||
      ! diff -r -x 'manifest*' "$out" "$out.ranks" >>"$log.ranks" 2>&1; then
    failed+=("$name $variant: one process per device wrote other files (see $log.ranks)")
    continue
  fi
  matched=$((matched + 1))
done

say "results"
echo "$matched runs exported, matched on every device and written alike one device per process; $refused refused as expected; ${#failed[@]} failed"
for failure in "${failed[@]+"${failed[@]}"}"; do
  echo "  $failure"
done
[ ${#failed[@]} -eq 0 ]
