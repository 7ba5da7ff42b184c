#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Code size of tinymem on a Cortex-M4 at -Os, 16-bit configuration (tinymem::config16), for
# basic_pool (with and without quick lists) and for the lean engine basic_bump_pool:
# the bytes of .text that allocate, deallocate, reallocate, data, pin (acquire_pin + unpin),
# defrag, defrag_step and the pool's set-up contribute to a firmware.
#
#   scripts/codesize.sh [BUILD_DIR]     (default: build-codesize-m4)
#
# Builds examples/firmware/codesize_probe.cpp with cross/cortex-m4f-gcc.ini at -Os, where each
# operation is called from its own non-inlined probe_* function, and sums, from
# arm-none-eabi-nm --size-sort -C, the sizes of the probe_* functions (tinymem code inlined into
# them) and of every tinymem:: function the linker kept (-ffunction-sections --gc-sections).
# memcpy and memmove (newlib) are listed apart and not counted, as for the peers' figures.
# libgcc's 64-bit division (__udivmoddi4), which tinymem's code calls through __aeabi_uldivmod
# (uint64 % and / on a 32-bit core), is listed apart too, with the callers found in the
# disassembly, and added in a second total.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build-codesize-m4}
if [ ! -f "$build/build.ninja" ]; then
    "$root/cross/setup.sh" "$build" cortex-m4f-gcc --buildtype=minsize -Db_ndebug=true \
        -Dtests=false >/dev/null
fi
ninja -C "$build" -j2 examples/firmware/codesize_probe.elf examples/firmware/codesize_probe_noquick.elf \
    examples/firmware/codesize_probe_bump.elf >/dev/null

report() { # ELF LABEL
elf=$1
echo "tinymem code size, Cortex-M4F (arm-none-eabi-g++ $(arm-none-eabi-g++ -dumpversion), -Os, $2)"
echo "symbols (bytes, type, name):"
arm-none-eabi-nm --size-sort -C -t d "$elf" | awk '
    $2 ~ /^[tTwW]$/ {
        name = $0; sub(/^[0-9]+ [^ ]+ /, "", name)
        if (name ~ /tinymem::|^probe_/) { printf "  %6d %s %s\n", $1, $2, name; total += $1 }
        else if (name ~ /^(memcpy|memmove)$/) { printf "  %6d %s %s (newlib, not counted)\n", $1, $2, name }
    }
    END { printf "tinymem .text total: %d bytes (target <= 1536)\n", total }'
callers=$(arm-none-eabi-objdump -d -C "$elf" | awk '/^[0-9a-f]+ <.*>:$/ { fn = $0 }
    /\tbl\t.*<__aeabi_uldivmod>/ && fn ~ /tinymem::|probe_/ { sub(/^[0-9a-f]+ </, "", fn); sub(/\(.*/, "", fn); print fn }' | sort -u)
if [ -n "$callers" ]; then
    div=$(arm-none-eabi-nm -t d -S "$elf" | awk '$4 == "__udivmoddi4" { print $2 + 0 }')
    echo "64-bit division from libgcc: __udivmoddi4 ${div:-?} bytes (+ __aeabi_uldivmod), called by:"
    printf '%s\n' "$callers" | sed 's/^/  /'
fi
}
report "$build/examples/firmware/codesize_probe.elf" "config16"
echo
report "$build/examples/firmware/codesize_probe_noquick.elf" "config16 without quick lists: basic_config<std::uint16_t, 4, 0>"
echo
report "$build/examples/firmware/codesize_probe_bump.elf" "the lean engine: basic_bump_pool<config16>"
