#!/bin/sh
# SPDX-License-Identifier: MIT
# exe_wrapper of tinymem's aarch64 Linux cross files: runs a program under qemu-user with the
# aarch64 cross sysroot (/usr/aarch64-linux-gnu, from Debian's cross packages).
# LeakSanitizer cannot work under qemu-user ("LeakSanitizer has encountered a fatal error"), so
# leak detection is turned off for ASan programs; AddressSanitizer's other checks still run.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
exec qemu-aarch64 -L "${TINYMEM_AARCH64_SYSROOT:-/usr/aarch64-linux-gnu}" "$@"
