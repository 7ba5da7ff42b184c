#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Cross builds of tinymem and their tests (issue 5):
#   scripts/ci-cross.sh BUILD_ROOT
# Configures, builds and runs `meson test` in five cross builds under BUILD_ROOT:
#   m4f-gcc     Cortex-M4F, arm-none-eabi-g++ 12, header build     tests on qemu-system-arm (mps2-an386)
#   m4f-clang   Cortex-M4F, clang 19, module build                 tests on qemu-system-arm (mps2-an386)
#   m3-gcc      Cortex-M3, arm-none-eabi-g++ 12, header build      tests on qemu-system-arm (mps2-an385)
#   m0-gcc      Cortex-M0, arm-none-eabi-g++ 12, header build      tests on qemu-system-arm (microbit)
#   aarch64-gcc aarch64 Linux, aarch64-linux-gnu-g++-12            Boost.Test suite on qemu-aarch64
# Each build's results are in BUILD_ROOT/<name>/meson-logs/testlog.json. Exits non-zero when any
# build or test fails (all builds are still attempted). Installs nothing; packages needed:
# gcc-arm-none-eabi libstdc++-arm-none-eabi-newlib libnewlib-arm-none-eabi qemu-system-arm
# qemu-user g++-12-aarch64-linux-gnu clang-19 libboost-test-dev meson ninja-build.
set -euo pipefail
if [ $# -ne 1 ]; then
    echo "usage: $0 BUILD_ROOT" >&2
    exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$1"
build_root=$(cd "$1" && pwd)

configs=(
    "m4f-gcc cortex-m4f-gcc"
    "m4f-clang cortex-m4f-clang"
    "m3-gcc cortex-m3-gcc"
    "m0-gcc cortex-m0-gcc"
    "aarch64-gcc aarch64-linux-gcc"
)
failed=()
for entry in "${configs[@]}"; do
    read -r name cross <<<"$entry"
    dir=$build_root/$name
    echo "=== $name ($cross.ini) ==="
    start=$SECONDS
    if [ ! -f "$dir/build.ninja" ]; then
        if ! "$root/cross/setup.sh" "$dir" "$cross" >"$build_root/$name-setup.log" 2>&1; then
            tail -20 "$build_root/$name-setup.log"
            failed+=("$name (setup)")
            continue
        fi
    fi
    if ! ninja -C "$dir" -j2; then
        failed+=("$name (build)")
        continue
    fi
    if ! meson test -C "$dir" --num-processes 2 --print-errorlogs; then
        failed+=("$name (tests)")
    fi
    echo "=== $name: $((SECONDS - start)) s ==="
done

if [ ${#failed[@]} -ne 0 ]; then
    echo "ci-cross: FAILED: ${failed[*]}"
    exit 1
fi
echo "ci-cross: all ${#configs[@]} cross builds passed"
