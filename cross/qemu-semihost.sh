#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# exe_wrapper of tinymem's bare-metal cross files: runs a Cortex-M ELF on qemu-system-arm with
# semihosting, so the program's printf output reaches this terminal and its exit status
# (exit(n) / return from main) becomes this script's.
#
#   cross/qemu-semihost.sh MACHINE PROGRAM.elf [ARGS...]
#
# MACHINE: mps2-an386 (Cortex-M4F), mps2-an385 (Cortex-M3), microbit (Cortex-M0).
# Program arguments travel as semihosting `arg=` entries (argv[0] is the program). Semihosting
# has no environment, so variables named TINYMEM_* (e.g. TINYMEM_SEED) are passed on as extra
# NAME=VALUE arguments; the test programs look for them there.
# TINYMEM_QEMU_TIMEOUT (seconds, default 120) stops a program that hangs.
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 MACHINE PROGRAM.elf [ARGS...]" >&2
    exit 2
fi
machine=$1
prog=$2
shift 2

# QEMU's option syntax: a comma inside a value is written as two commas.
quote() { printf '%s' "${1//,/,,}"; }

config="enable=on,target=native,arg=$(quote "$prog")"
for a in "$@"; do
    config+=",arg=$(quote "$a")"
done
while IFS='=' read -r name value; do
    case $name in
        TINYMEM_*) config+=",arg=$(quote "$name=$value")" ;;
    esac
done < <(env)

exec timeout "${TINYMEM_QEMU_TIMEOUT:-120}" qemu-system-arm -M "$machine" -nographic \
    -monitor none -serial none -semihosting-config "$config" -kernel "$prog"
