#!/usr/bin/env bash
# Runs mindshard's whole test suite: installs the Debian packages it needs
# when missing, configures, builds, and runs ctest (the lit suite, the unit
# tests, both again on a build with sanitizers and assertions, and a brief
# run of each fuzz target). Usage: scripts/test.sh [ctest arguments]
set -euo pipefail
source "$(dirname "$0")/common.sh"

ensure_packages "${MINDSHARD_PACKAGES[@]}" clang-22 libclang-rt-22-dev
# The fuzz targets run briefly as part of the suite.
build_fuzzers
# The suite runs once more there.
build_sanitized
build_mindshard -DMINDSHARD_FUZZER_DIR="$MINDSHARD_BUILD-fuzz/bin" \
  -DMINDSHARD_SANITIZED_BUILD="$MINDSHARD_BUILD-sanitize"
say "testing"
cd "$MINDSHARD_BUILD"
ctest --output-on-failure -j "$(nproc)" "$@"
