#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# README's first command: installs what is missing, builds the module build of the demo with
# clang 19 and runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh demo
dir=build/demo
[ -f "$dir/build.ninja" ] || CXX=clang++-19 meson setup "$dir" -Dtests=false -Dbenchmarks=false -Dadapters=disabled >/dev/null
ninja -C "$dir" examples/tinymem-demo >/dev/null
"$dir/examples/tinymem-demo"
