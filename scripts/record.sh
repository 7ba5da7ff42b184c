#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Records a program's heap calls (malloc, calloc, realloc, reallocarray, free, posix_memalign,
# aligned_alloc, memalign, valloc, pvalloc) as tinymem traces, with the LD_PRELOAD library
# tools/trace (libtinymem-trace.so). The trace format is bench/TRACES.md.
#
# Usage: scripts/record.sh OUT.trace[.xz|.zst|.gz] PROGRAM [ARGS...]
#   The process started writes OUT.trace; every other process it starts (fork, exec, children
#   of children: LD_PRELOAD is inherited) writes OUT.trace.<pid> (OUT.trace.<pid>.<n> when a
#   process execs again). A .xz, .zst or .gz suffix compresses each file once the program ended.
#   Prints one line per file written (ops, peak live bytes, max live blocks); exits with the
#   program's status.
# Environment: TINYMEM_TRACE_LIB, the library to use (default: built on demand in
#   build-record/, g++ 12 or the system's c++).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -lt 2 ]; then
  echo "usage: $0 OUT.trace[.xz|.zst|.gz] PROGRAM [ARGS...]" >&2
  exit 2
fi
out=$1
shift
compress=""
case "$out" in
  *.xz) compress="xz -T1 -9 -f"; raw=${out%.xz} ;;
  *.zst) compress="zstd -q -19 -f --rm"; raw=${out%.zst} ;;
  *.gz) compress="gzip -9 -f"; raw=${out%.gz} ;;
  *) raw=$out ;;
esac
mkdir -p "$(dirname "$raw")"
raw=$(cd "$(dirname "$raw")" && pwd)/$(basename "$raw")

lib=${TINYMEM_TRACE_LIB:-}
if [ -z "$lib" ]; then
  build=$ROOT/build-record
  if [ ! -f "$build/build.ninja" ]; then
    CXX=${CXX:-$(command -v g++-12 || command -v c++)} meson setup "$build" "$ROOT" -Dmodules=disabled \
      -Dtests=false -Dexamples=false -Dbenchmarks=false -Dadapters=disabled >/dev/null || exit 2
  fi
  ninja -C "$build" tools/trace/libtinymem-trace.so >/dev/null || exit 2
  lib=$build/tools/trace/libtinymem-trace.so
fi
lib=$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")

# Stale traces of an earlier recording to the same name would be mistaken for this one's.
rm -f "$raw" "$out"
for f in "$raw".[0-9]*; do [ -e "$f" ] && rm -f "$f"; done

# The subshell execs the program: its pid ($BASHPID) is the program's, which writes OUT itself.
(
  export TINYMEM_TRACE_OUT="$raw" TINYMEM_TRACE_PID="$BASHPID"
  export LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}"
  exec "$@"
)
status=$?

shopt -s nullglob
files=()
[ -f "$raw" ] && files+=("$raw")
for f in "$raw".[0-9]*; do files+=("$f"); done
if [ ${#files[@]} -eq 0 ]; then
  echo "record.sh: no trace written (is $1 dynamically linked? static programs cannot be traced)" >&2
  exit 1
fi
for f in "${files[@]}"; do
  head -c 256 "$f" | head -1 | sed "s|^# tinymem-trace v1 |record.sh: $(basename "$f"): |; s/ *$//" >&2
  if [ -n "$compress" ]; then
    $compress "$f"
  fi
done
exit $status
