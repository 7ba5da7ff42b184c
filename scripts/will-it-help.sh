#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# "Will tinymem help my program?" Records a program's allocations (scripts/record.sh), or takes
# a trace, replays it into tinymem, the best-fit reference (the best a non-moving allocator does),
# std::pmr's pool and glibc malloc, and prints the verdict: tinymem's smallest footprint against
# best fit's and the pmr pool's, ns/op against malloc, and where the timeline chart is (live
# bytes, free bytes and largest free block under tinymem, best fit and the pmr pool).
#
# Usage: scripts/will-it-help.sh [--reps N] [--out DIR] PROGRAM [ARGS...]
#        scripts/will-it-help.sh [--reps N] [--out DIR] --trace FILE[.xz|.zst|.gz]
#   --reps: timed replays per allocator (default 3); --out: where the trace, the full tables
#   (replay.md) and the charts go (default will-it-help/NAME). A program that starts other
#   processes gives one trace each; the one with the most operations is judged (all are kept).
# Environment: BENCH_BUILD (default build-bench-release, the release build scripts/bench.sh uses).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD:-$ROOT/build-bench-release}
reps=3 out="" trace=""
while [ $# -gt 0 ]; do
  case $1 in
    --reps) reps=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --trace) trace=$2; shift 2 ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
if [ -z "$trace" ] && [ $# -eq 0 ]; then
  echo "usage: $0 [--reps N] [--out DIR] PROGRAM [ARGS...] | --trace FILE" >&2
  exit 2
fi

if [ ! -f "$BUILD/build.ninja" ]; then
  CXX=clang++-19 meson setup "$BUILD" "$ROOT" -Dbuildtype=release -Dmodules=enabled \
    -Dtests=false -Dexamples=false >/dev/null
fi
ninja -C "$BUILD" bench/tinymem-replay tools/trace/libtinymem-trace.so >/dev/null

if [ -n "$trace" ]; then
  name=$(basename "$trace")
  name=${name%.xz}; name=${name%.zst}; name=${name%.gz}; name=${name%.trace}
else
  name=$(basename "$1")
fi
out=${out:-will-it-help/$name}
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ -z "$trace" ]; then
  echo "== recording $*" >&2
  start=$(date +%s.%N)
  TINYMEM_TRACE_LIB=$BUILD/tools/trace/libtinymem-trace.so "$ROOT/scripts/record.sh" "$out/$name.trace" "$@" ||
    echo "(the program exited with status $?; its trace is judged all the same)" >&2
  end=$(date +%s.%N)
  echo "== recorded in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }') s" >&2
  # The program's own trace: the file with the most operations.
  best=$("$ROOT/tools/trace/main-trace.sh" "$out/$name.trace")
  [ "$best" = "$out/$name.trace" ] || cp "$best" "$out/$name.trace"
  trace=$out/$name.trace
else
  case $trace in
    *.xz) xz -dc "$trace" > "$out/$name.trace" ;;
    *.zst) zstd -qdc "$trace" > "$out/$name.trace" ;;
    *.gz) gzip -dc "$trace" > "$out/$name.trace" ;;
    *) [ "$(cd "$(dirname "$trace")" && pwd)/$(basename "$trace")" = "$out/$name.trace" ] || cp "$trace" "$out/$name.trace" ;;
  esac
  trace=$out/$name.trace
fi
if [ "$(grep -cv '^#' "$trace")" -eq 0 ]; then
  echo "the trace has no allocations: nothing to judge" >&2
  exit 1
fi

echo "== replaying $trace (a minute or more for a large trace)" >&2
"$BUILD/bench/tinymem-replay" --reps "$reps" --no-defrag --verdict --timeline "$name" --out "$out" "$trace" \
  > "$out/replay.full.md" 2> "$out/replay.log" || { tail -5 "$out/replay.log" >&2; exit 1; }
sed -n '/^## Verdict/,$p' "$out/replay.md"
echo "Timeline chart: $out/timeline-$name.svg"
echo "Efficiency chart: $out/efficiency.svg; every table: $out/replay.md"
