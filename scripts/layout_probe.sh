#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Instructions of data(h) today (config16) and in the layout docs/handles-and-layout.md proposes
# (bench/split_generation_probe.cpp), on x86-64 (g++ -O2) and Cortex-M4 (arm-none-eabi-g++ -O2
# and -Os). Prints a markdown table. Needs g++-12 and arm-none-eabi-g++ (scripts/deps.sh all).
#
#   scripts/layout_probe.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
src=$root/bench/split_generation_probe.cpp
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
g++-12 -std=c++20 -O2 -DTINYMEM_PROBE_MAIN -o "$tmp/check" "$src"
"$tmp/check" >&2
count() { # OBJDUMP OBJECT FUNCTION
    "$1" -d --no-show-raw-insn "$2" | awk -v fn="<$3>:" '
        $2 == fn { on = 1; next } on && /^$/ { exit } on && /^ +[0-9a-f]+:/ { n++ } END { print n + 0 }'
}
echo "| target | data(h) today (config16), instructions | data(h) proposed (17-bit generation, split), instructions |"
echo "|---|---|---|"
g++-12 -std=c++20 -O2 -DTINYMEM_PROBE_TODAY -I"$root/modules" -c "$src" -o "$tmp/x86.o"
echo "| x86-64, g++ -O2 | $(count objdump "$tmp/x86.o" today_data) | $(count objdump "$tmp/x86.o" split_data) |"
for opt in -O2 -Os; do
    arm-none-eabi-g++ -std=c++20 $opt -mcpu=cortex-m4 -mthumb -fno-exceptions -fno-rtti -DTINYMEM_PROBE_TODAY \
        -I"$root/modules" -c "$src" -o "$tmp/m4.o"
    echo "| Cortex-M4, arm-none-eabi-g++ $opt | $(count arm-none-eabi-objdump "$tmp/m4.o" today_data) | $(count arm-none-eabi-objdump "$tmp/m4.o" split_data) |"
done
