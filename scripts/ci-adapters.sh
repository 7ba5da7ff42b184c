#!/bin/bash
# SPDX-License-Identifier: MIT
# CI for the hosted adapters (tinymem::memory_resource, vector, string, box): the adapter tests in
# module mode (clang 19: import tinymem; import tinymem.adapters;) and header mode (g++ 12).
# Usage: scripts/ci-adapters.sh BUILD_ROOT   (build dirs: BUILD_ROOT/adapters-mod, adapters-hdr)
# Needs (Debian): meson ninja-build clang-19 g++-12 libboost-test-dev. Installs nothing.
set -euo pipefail
root=${1:?usage: $0 BUILD_ROOT}
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root"
root=$(cd "$root" && pwd)

targets=(tests/adapters/tinymem-adapter-tests tests/adapters/tinymem-adapter-stress-tests
         tests/adapters/tinymem-adapters-noexceptions
         tests/adapters/tinymem-adapters-showcase-test)

run() { # name, compiler, meson options...
    local dir=$root/$1 cxx=$2
    shift 2
    if [[ ! -f $dir/build.ninja ]]; then
        CXX=$cxx meson setup "$dir" "$src" -Dadapters=enabled -Dbenchmarks=false "$@"
    fi
    ninja -C "$dir" -j2 "${targets[@]}"
    meson test -C "$dir" --suite adapters --no-rebuild --num-processes 2 --print-errorlogs
}

run adapters-mod clang++-19 -Dmodules=enabled
run adapters-hdr g++-12 -Dmodules=disabled
