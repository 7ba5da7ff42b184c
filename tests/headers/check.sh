#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Clean headers, as a user with strict warnings sees them:
#   tests/headers/check.sh SOURCE_ROOT full|core CXX [compiler flags...]
# 1. compiles all_headers.cpp (every public header, every pool type, both engines,
#    synchronized_pool and, with `full`, the adapters) at -O2 with
#    -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Wold-style-cast -Werror
#    (and clang's -Wshorten-64-to-32): any warning fails;
# 2. compiles cxx17.cpp with -std=c++17: it must fail with exactly one error, naming C++20.
# `core` leaves the hosted adapters out (bare metal: newlib has no <memory_resource>).
# Prints one line per check; exit status 0 when both pass.
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 SOURCE_ROOT full|core CXX [flags...]" >&2
    exit 2
fi
src=$1
mode=$2
shift 2
cxx=("$@")
core=()
[ "$mode" = core ] && core=(-DTINYMEM_CORE_ONLY)
strict=(-Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Wold-style-cast -Werror)
if "${cxx[@]}" --version 2>/dev/null | head -n1 | grep -qi clang; then
    strict+=(-Wshorten-64-to-32)
fi
inc=(-I "$src/modules" -I "$src/adapters")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
name=$(basename "${cxx[0]}")

line=("${cxx[@]}" -std=c++20 -O2 "${strict[@]}" "${core[@]}" "${inc[@]}" -c "$src/tests/headers/all_headers.cpp" -o "$tmp/all.o")
if ! "${line[@]}" >"$tmp/log" 2>&1; then
    cat "$tmp/log"
    echo "headers ($name, $mode): FAILED: ${line[*]}"
    exit 1
fi
echo "headers ($name, $mode): no warning: ${line[*]//$src\//}"

line=("${cxx[@]}" -std=c++17 "${core[@]}" "${inc[@]}" -fsyntax-only "$src/tests/headers/cxx17.cpp")
if "${line[@]}" >"$tmp/log" 2>&1; then
    echo "c++17 ($name): FAILED: compiled without error"
    exit 1
fi
# Diagnostics, as both compilers print them: "FILE:LINE:COL: error: MESSAGE".
errors=$(grep -c ": error:" "$tmp/log" || true)
first=$(grep -m1 ": error:" "$tmp/log" || true)
if [ "$errors" -ne 1 ] || ! grep -q "C++20" <<<"$first"; then
    cat "$tmp/log"
    echo "c++17 ($name): FAILED: expected one error naming C++20, got $errors"
    exit 1
fi
echo "c++17 ($name): one error: ${first//$src\//}"
