#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Soak test: OPS random operations (default 10^8) at ~95 % utilisation in a 64 KiB pool
# (config16), a 1 MiB pool (config17) and a 4 MiB pool (config32); check() and content hashes
# verified periodically.
# Usage: scripts/soak.sh [OPS] [64k|1m|4m|all] [BUILD_DIR]   (an optimised build; seed: TINYMEM_SEED)
set -euo pipefail
ops=${1:-100000000}
src=$(cd "$(dirname "$0")/.." && pwd)
pools=${2:-all}
dir=${3:-$src/build-rel-soak}
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" "$src" --buildtype=release -Dexamples=false -Dbenchmarks=false
fi
ninja -C "$dir" -j2 tests/reliability/soak
time "$dir/tests/reliability/soak" "$ops" "$pools"
