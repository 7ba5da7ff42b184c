#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# CI for bench/: builds the bench (clang 19 module build and g++ 12 header build) and runs the
# quick `bench` meson test suite in each. Usage: scripts/ci-bench.sh BUILD_ROOT
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_ROOT=${1:?usage: scripts/ci-bench.sh BUILD_ROOT}
mkdir -p "$BUILD_ROOT"
BUILD_ROOT=$(cd "$BUILD_ROOT" && pwd)

CXX=clang++-19 meson setup "$BUILD_ROOT/bench-mod" "$ROOT" -Dbuildtype=release -Dmodules=enabled \
  -Dtests=false -Dexamples=false
meson compile -C "$BUILD_ROOT/bench-mod" -j 2
meson test -C "$BUILD_ROOT/bench-mod" --suite bench --print-errorlogs

CXX=g++-12 meson setup "$BUILD_ROOT/bench-hdr" "$ROOT" -Dbuildtype=release -Dmodules=disabled \
  -Dtests=false -Dexamples=false
meson compile -C "$BUILD_ROOT/bench-hdr" -j 2
meson test -C "$BUILD_ROOT/bench-hdr" --suite bench --print-errorlogs
