#!/usr/bin/env bash
# The export benchmark: writes a training run of a transformer (8 ranks, 2-way
# data x 4-way model parallel, optimizer sharding, Adam states; bfloat16
# weights), exports it to 4 devices, and measures, side by side in one run:
#
#   - mindshard-export: wall time, throughput and peak resident memory;
#   - cp of the same output files followed by sync (the export syncs too);
#
# Usage: [ROUNDS=3] [SETTLE=5] bench/export.sh [LAYERS] [WORK_DIR]
#   SETTLE is the seconds of quiet before each run.
#   LAYERS  transformer layers (4: 2.7 GiB of checkpoints; 16: 9.0 GiB)
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"

layers=${1:-4}
work=${2:-$MINDSHARD_BUILD/bench-export}
ensure_packages "${MINDSHARD_PACKAGES[@]}" time bc
build_mindshard >/dev/null
bin=$MINDSHARD_BUILD/bin
run=$work/run-$layers

if [ ! -f "$run/rank_7/checkpoint_7.ckpt" ]; then
  say "writing a training run of $layers layers in $run"
  "$bin/mindshard-bench-make-run" "$run" --layers "$layers"
fi
checkpoint_bytes=$(du -cb "$run"/rank_*/*.ckpt | tail -1 | cut -f1)

# Flush earlier writes so that they are not billed to what follows.
sync
# A pause on a synced disk before each run, so that neither is charged for
# the write-back of the other's output.
settle() { sync; sleep "${SETTLE:-5}"; }
drop_caches() {
  # Reading from disk rather than the page cache, where the machine allows.
  echo 3 > /proc/sys/vm/drop_caches 2>/dev/null && echo dropped || echo kept
}

# Alternate the two, several rounds, from a cold page cache each time.
rounds=${ROUNDS:-3}
export_times=() copy_times=() export_rss=()
for round in $(seq "$rounds"); do
  say "round $round of $rounds: mindshard-export"
  rm -rf "$work/out"
  settle
  caches=$(drop_caches)
  # Cold data, warm program: load the binary (and libLLVM) as cp is loaded.
  "$bin/mindshard-export" --help >/dev/null
  /usr/bin/time -f "%e %M" -o "$work/time.txt" \
    "$bin/mindshard-export" --network "$run/network.mlir" \
    --train-strategy "$run/train_strategy.ckpt" --checkpoint-dir "$run" \
    --devices 4 -o "$work/out" --no-progress >/dev/null
  read -r seconds kib < "$work/time.txt"
  export_times+=("$seconds") export_rss+=("$kib")

  say "round $round of $rounds: cp + sync of the same output"
  rm -rf "$work/copy"
  mkdir -p "$work/copy"
  settle
  drop_caches >/dev/null
  cp --help >/dev/null
  start=$(date +%s.%N)
  cp "$work/out"/*.mindir "$work/copy/"
  sync
  copy_times+=("$(echo "$(date +%s.%N) - $start" | bc)")
done

# Once more with the checkpoints in the page cache, as right after training
# wrote them: the memory the export maps then is the cache's (large folios
# on recent kernels), and it must stay within bounds too.
say "mindshard-export with the checkpoints in the page cache"
rm -rf "$work/out"
cat "$run"/rank_*/*.ckpt >/dev/null
/usr/bin/time -f "%e %M" -o "$work/time.txt" \
  "$bin/mindshard-export" --network "$run/network.mlir" \
  --train-strategy "$run/train_strategy.ckpt" --checkpoint-dir "$run" \
  --devices 4 -o "$work/out" --no-progress >/dev/null
read -r warm_seconds warm_kib < "$work/time.txt"

output_bytes=$(du -cb "$work/out"/*.mindir | tail -1 | cut -f1)
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
max() { printf '%s\n' "$@" | sort -g | tail -1; }
export_seconds=$(median "${export_times[@]}")
copy_seconds=$(median "${copy_times[@]}")
export_kib=$(max "${export_rss[@]}")

mib() { echo "scale=1; $1 / 1048576" | bc; }
say "results"
cat <<REPORT
training checkpoints   $(mib "$checkpoint_bytes") MiB over 8 ranks (page cache $caches)
output                 $(mib "$output_bytes") MiB in 4 MindIR files
mindshard-export       median ${export_seconds} s of ${export_times[*]}; $(echo "scale=0; $output_bytes / 1048576 / $export_seconds" | bc) MiB/s; peak RSS $(echo "scale=1; $export_kib / 1024" | bc) MiB
cp + sync              median ${copy_seconds} s of ${copy_times[*]}; $(echo "scale=0; $output_bytes / 1048576 / $copy_seconds" | bc) MiB/s
export / (cp + sync)   throughput ratio $(echo "scale=2; $copy_seconds / $export_seconds" | bc)
warm page cache        mindshard-export ${warm_seconds} s; peak RSS $(echo "scale=1; $warm_kib / 1024" | bc) MiB
REPORT
