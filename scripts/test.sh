#!/usr/bin/env bash
# Runs mindshard's whole test suite: installs the Debian packages it needs
# when missing, configures, builds, and runs ctest (the lit suite and the
# unit tests). Usage: scripts/test.sh [ctest arguments]
set -euo pipefail
source "$(dirname "$0")/common.sh"

ensure_packages "${MINDSHARD_PACKAGES[@]}"
build_mindshard
say "testing"
cd "$MINDSHARD_BUILD"
ctest --output-on-failure -j "$(nproc)" "$@"
