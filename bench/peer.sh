#!/usr/bin/env bash
# mindshard-export against an emulation of MindSpore's merge-then-split
# resharding (load every training checkpoint whole, merge each parameter,
# split it per predict rank), on a training run written by an independent
# generator. Both write per-rank checkpoints of the predict slices; they are
# compared tensor by tensor, and timed with their peak memory, side by side.
# A third contestant, cp of mindshard's output followed by sync, moves the
# same bytes through the same disk: the floor for any tool that reads the
# slices and writes them, against which both are measured too.
#
# Usage: [ROUNDS=3] [SETTLE=5] bench/peer.sh PEER_DIR [WORK_DIR]
#   SETTLE is the seconds of quiet before each contestant.
#   PEER_DIR holds generator/scenarios.py and bench/ms_reshard_numpy.py
#   (they need Debian's python3-numpy and python3-protobuf; neither is part
#   of mindshard, and mindshard's own benchmark, bench/export.sh, does not
#   need them).
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"

peer=${1:?give the folder of the generator and the peer}
work=${2:-$MINDSHARD_BUILD/bench-peer}
ensure_packages "${MINDSHARD_PACKAGES[@]}" time bc python3-numpy \
  python3-protobuf
build_mindshard >/dev/null
bin=$MINDSHARD_BUILD/bin
python=/usr/bin/python3

if ! ls "$work"/gen/*/rank_7 >/dev/null 2>&1; then
  say "generating the training run (scenarios.py --bench)"
  "$python" "$peer/generator/scenarios.py" "$work/gen" --bench
fi
run=$(dirname "$(ls -d "$work"/gen/*/rank_0)")
devices=$("$python" -c "import json,sys; print(json.load(open(sys.argv[1]))['predict_devices'])" "$run/scenario.json")
train=$(ls -d "$run"/rank_* | wc -l)
sync
drop_caches() { echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }
# A pause on a synced disk before each contestant, so that no one is
# charged for the write-back of the last one's output.
settle() { sync; sleep "${SETTLE:-5}"; }
seconds() { echo "$(date +%s.%N) - $1" | bc; }

# Cold data, loaded programs, several rounds. The rounds go through all six
# orders of the three, so that each follows each of the others as often:
# what one leaves behind can slow the next (seen here: right after the
# peer, the virtual disk ran at half its rate for the export, for reasons
# outside the machine; a pause of 30 s did not help).
rounds=${ROUNDS:-3}
ours_times=() ours_rss=() theirs_times=() theirs_rss=() copy_times=()
run_ours() {
  say "round $round of $rounds: mindshard-export --emit ckpt ($train ranks -> $devices devices)"
  rm -rf "$work/ours"
  settle
  drop_caches
  "$bin/mindshard-export" --help >/dev/null
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$work/ours.rss" "$bin/mindshard-export" \
    --network "$run/network.mindir" --train-strategy "$run/train_strategy.ckpt" \
    --checkpoint-dir "$run" --devices "$devices" --emit ckpt --no-progress \
    -o "$work/ours" >/dev/null
  ours_times+=("$(seconds "$start")") ours_rss+=("$(cat "$work/ours.rss")")
}
run_copy() {
  say "round $round of $rounds: cp + sync of mindshard's output"
  rm -rf "$work/copy"
  mkdir -p "$work/copy"
  settle
  drop_caches
  cp --help >/dev/null
  start=$(date +%s.%N)
  cp "$work"/ours/rank_*/checkpoint_*.ckpt "$work/copy/"
  sync
  copy_times+=("$(seconds "$start")")
}
run_peer() {
  say "round $round of $rounds: the peer, merge then split with numpy"
  rm -rf "$work/peer"
  settle
  drop_caches
  "$python" -c "import numpy, google.protobuf"
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$work/peer.rss" "$python" \
    "$peer/bench/ms_reshard_numpy.py" \
    --train-strategy "$run/train_strategy.ckpt" \
    --checkpoints "$run/rank_{rank}/checkpoint_{rank}.ckpt" \
    --train-devices "$train" \
    --predict-strategy "$work/ours/predict_strategy.ckpt" \
    --devices "$devices" -o "$work/peer"
  sync  # mindshard-export syncs what it writes; so must the peer
  theirs_times+=("$(seconds "$start")") theirs_rss+=("$(cat "$work/peer.rss")")
}
# The first round starts with mindshard: cp and the peer use its output.
orders=("run_ours run_copy run_peer" "run_ours run_peer run_copy"
  "run_copy run_ours run_peer" "run_copy run_peer run_ours"
  "run_peer run_ours run_copy" "run_peer run_copy run_ours")
for round in $(seq "$rounds"); do
  for contestant in ${orders[$(((round - 1) % 6))]}; do
    "$contestant"
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
max() { printf '%s\n' "$@" | sort -g | tail -1; }
ours=$(median "${ours_times[@]}")
theirs=$(median "${theirs_times[@]}")
copy=$(median "${copy_times[@]}")

say "comparing the predict slices"
for rank in $(seq 0 $((devices - 1))); do
  "$bin/mindshard-bench-compare" --only-in-b \
    "$work/ours/rank_$rank/checkpoint_$rank.ckpt" \
    "$work/peer/checkpoint_$rank.ckpt"
done

ours_kib=$(max "${ours_rss[@]}")
theirs_kib=$(max "${theirs_rss[@]}")
say "results"
cat <<REPORT
training run            $(du -sh "$run" | cut -f1) ($train ranks), to $devices devices
mindshard-export        median $ours s of ${ours_times[*]}; peak RSS $((ours_kib / 1024)) MiB
merge-then-split peer   median $theirs s of ${theirs_times[*]}; peak RSS $((theirs_kib / 1024)) MiB
cp + sync of the output median $copy s of ${copy_times[*]}
speed-up                $(echo "scale=1; $theirs / $ours" | bc)x
memory                  $(echo "scale=1; $theirs_kib / $ours_kib" | bc)x less
the disk's floor        the peer takes $(echo "scale=1; $theirs / $copy" | bc)x as long as cp + sync; mindshard $(echo "scale=2; $ours / $copy" | bc)x
REPORT
