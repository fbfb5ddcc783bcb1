#!/usr/bin/env bash
# Runs one fuzz target briefly from the test data: the CI part of fuzzing.
# Usage: smoke.sh FUZZER SECONDS WORKDIR SEEDS
set -euo pipefail
fuzzer=$1 seconds=$2 work=$3 seeds=$4
mkdir -p "$work/corpus"
cd "$work"
ASAN_OPTIONS=allow_user_poisoning=0 exec "$fuzzer" -max_total_time="$seconds" \
  -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 \
  -artifact_prefix="$work/crash-" "$work/corpus" "$seeds"
