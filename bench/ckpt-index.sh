#!/usr/bin/env bash
# Benchmark: opening a checkpoint costs time and memory in proportion to its
# tensors, not its bytes; reading a tensor runs at memory-copy speed.
#
#   bench/ckpt-index.sh [WORKDIR]
#
# Writes checkpoints of 1, 2 and 4 GiB (64 MiB tensors), of 1 GiB in 1 MiB
# tensors, of 32 MiB in 4 KiB tensors and of 1 GiB with a CRC trailer to
# WORKDIR (default /tmp/mindshard-bench), then indexes and reads each. Needs
# a built tree (scripts/test.sh or ninja -C build).
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"
bench=$MINDSHARD_BUILD/bin/mindshard-bench-ckpt
work=${1:-/tmp/mindshard-bench}
mkdir -p "$work"

# SIZE TENSOR_SIZE [crc]: bare sizes are GiB and MiB.
for spec in "1 64" "2 64" "4 64" "1 1" "32m 4k" "1 64 crc"; do
  set -- $spec
  file=$work/bench-$1-$2${3:+-$3}.ckpt
  [ -f "$file" ] || "$bench" write "$file" "$@" >/dev/null
  echo "== $1 in $2 tensors${3:+, with a CRC trailer}"
  # Indexed from a cold page cache (when allowed to drop it), so that what
  # the kernel reads around the record headers shows.
  sync
  echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
  "$bench" index "$file"
  "$bench" read "$file"
done
