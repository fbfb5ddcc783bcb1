#!/usr/bin/env bash
# Runs mindshard's whole test suite: installs the Debian packages it needs
# when missing, configures, builds, and runs ctest (the lit suite, the unit
# tests and a brief run of each fuzz target). Usage: scripts/test.sh [ctest
# arguments]
set -euo pipefail
source "$(dirname "$0")/common.sh"

ensure_packages "${MINDSHARD_PACKAGES[@]}" clang-22 libclang-rt-22-dev
# The fuzz targets run briefly as part of the suite.
build_fuzzers
build_mindshard -DMINDSHARD_FUZZER_DIR="$MINDSHARD_BUILD-fuzz/bin"
say "testing"
cd "$MINDSHARD_BUILD"
ctest --output-on-failure -j "$(nproc)" "$@"
