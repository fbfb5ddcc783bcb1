#!/usr/bin/env bash
# Builds mindshard's libFuzzer targets with clang and runs each one.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# SECONDS per target (default 600); targets default to all of them
# (checkpoint safetensors strategy mindir crypto plan). The corpora start
# from the files in test/data and live in $MINDSHARD_BUILD-fuzz/corpus, so
# later runs continue where earlier ones stopped. A finding stops the run,
# leaves the crashing input in the corpus folder and exits non-zero.
set -euo pipefail
source "$(dirname "$0")/common.sh"

seconds=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(checkpoint safetensors strategy mindir crypto plan)
fi

ensure_packages "${MINDSHARD_PACKAGES[@]}" clang-22 libclang-rt-22-dev
build_fuzzers

fuzz_build=$MINDSHARD_BUILD-fuzz
for target in "${targets[@]}"; do
  corpus=$fuzz_build/corpus/$target
  seed_corpus "$target" "$corpus"
  say "fuzzing $target for ${seconds}s ($(ls "$corpus" | wc -l) inputs to start)"
 # MLIR's own libraries are not instrumented: the poisoning that LLVM's
  # allocator headers do in instrumented code must be ignored.
  (cd "$fuzz_build" &&
    ASAN_OPTIONS=allow_user_poisoning=0 "bin/mindshard-fuzz-$target" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 \
      -artifact_prefix="$fuzz_build/crash-$target-" "$corpus")
done
say "no findings"
