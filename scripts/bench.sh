#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The one bench command (issue 4): builds the release module build with clang 19 and runs
#   - tinymem-replay on the traces (efficiency, ns/op, defrag() vs memmove, SVG charts),
#   - tinymem-opcount under callgrind (worst-case instructions of allocate, deallocate,
#     defrag_step(256) at 4 KiB, 64 KiB and 1 MiB pools with 100 and 10,000 live blocks),
#   - the disassembly of data(h) at -O2,
#   - the recorder's overhead on a real program (python3, with and without tools/trace),
# writing everything into bench/results/ (README.md = all of it, plus the SVG files).
#
# Usage: scripts/bench.sh [TRACE_DIR]   (default: bench/traces, the repository's own: the four
#   synthetic traces and the recorded real programs; *.trace files, or *.trace.xz, *.trace.zst,
#   *.trace.gz decompressed into the build directory first)
# Environment: BENCH_BUILD (build dir, default build-bench-release), BENCH_OUT (default
#   bench/results), BENCH_REPS (timed repetitions, default 5), TINYMEM_SEED.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TRACES=${1:-$ROOT/bench/traces}
BUILD=${BENCH_BUILD:-$ROOT/build-bench-release}
OUT=${BENCH_OUT:-$ROOT/bench/results}
REPS=${BENCH_REPS:-5}

if [ ! -f "$BUILD/build.ninja" ]; then
  CXX=clang++-19 meson setup "$BUILD" "$ROOT" -Dbuildtype=release -Dmodules=enabled \
    -Dtests=false -Dexamples=false >/dev/null
fi
ninja -C "$BUILD" -j2 bench/tinymem-replay bench/tinymem-opcount bench/tinymem-data-disasm \
  bench/tinymem-layout bench/tinymem-containers tools/trace/libtinymem-trace.so >/dev/null
mkdir -p "$OUT"

shopt -s nullglob
# Compressed traces are read from a decompressed copy in the build directory.
plain=$BUILD/traces
mkdir -p "$plain"
for f in "$TRACES"/*.trace.xz "$TRACES"/*.trace.zst "$TRACES"/*.trace.gz; do
  name=$(basename "$f")
  name=${name%.*}
  if [ ! -f "$plain/$name" ] || [ "$f" -nt "$plain/$name" ]; then
    case $f in
      *.xz) xz -dc "$f" > "$plain/$name" ;;
      *.zst) zstd -qdc "$f" > "$plain/$name" ;;
      *.gz) gzip -dc "$f" > "$plain/$name" ;;
    esac
  fi
done
# The synthetic traces first, in their usual order, then the recorded ones by name.
traces=()
for name in churn-6k churn-48k phases-48k churn-768k; do
  for d in "$TRACES" "$plain"; do
    if [ -f "$d/$name.trace" ]; then traces+=("$d/$name.trace"); break; fi
  done
done
for f in "$TRACES"/*.trace "$plain"/*.trace; do
  case " ${traces[*]} " in *" $f "* | *"/$(basename "$f") "*) ;; *) traces+=("$f") ;; esac
done
if [ ${#traces[@]} -eq 0 ]; then
  echo "no .trace files in $TRACES" >&2
  exit 2
fi

echo "== replay: ${#traces[@]} traces from $TRACES" >&2
"$BUILD/bench/tinymem-replay" --reps "$REPS" --timeline churn-48k --out "$OUT" "${traces[@]}" >/dev/null

echo "== the recorder's overhead" >&2
# Wall time of one real program with and without the recorder (tools/trace), minimum of 7 runs
# each, alternating: python3 with every object through malloc (PYTHONMALLOC=malloc).
{
  echo "## The recorder's overhead (scripts/record.sh, tools/trace)"
  echo
  PY=/usr/bin/python3
  if [ -x "$PY" ]; then
    script='import json, collections
records = [{"id": i, "name": "user%05d" % i, "tags": ["t%d" % (i % 13)]} for i in range(1500)]
text = json.dumps(records)
print(len(json.loads(text)), len(collections.Counter(r["name"][:6] for r in records)))'
    tmp=$(mktemp -d)
    plain_ms=999999 traced_ms=999999
    for i in 1 2 3 4 5 6 7; do
      s=$(date +%s%N); PYTHONMALLOC=malloc "$PY" -S -c "$script" >/dev/null; e=$(date +%s%N)
      ms=$(( (e - s) / 1000000 )); [ $ms -lt $plain_ms ] && plain_ms=$ms
      rm -f "$tmp"/py.trace*
      s=$(date +%s%N)
      PYTHONMALLOC=malloc TINYMEM_TRACE_OUT="$tmp/py.trace" LD_PRELOAD="$BUILD/tools/trace/libtinymem-trace.so" \
        "$PY" -S -c "$script" >/dev/null
      e=$(date +%s%N)
      ms=$(( (e - s) / 1000000 )); [ $ms -lt $traced_ms ] && traced_ms=$ms
    done
    ops=$(head -c 256 "$tmp"/py.trace* | sed -n 's/.* ops=\([0-9]*\).*/\1/p')
    rm -rf "$tmp"
    echo "python3 -S (PYTHONMALLOC=malloc) building, dumping and reading back 1,500 records, $ops heap calls:"
    echo "$plain_ms ms without the recorder, $traced_ms ms with it (minimum of 7 runs each, wall time;"
    echo "$(awk -v a="$plain_ms" -v b="$traced_ms" 'BEGIN { printf "%.2f", b / a }') x, $(awk -v a="$plain_ms" -v b="$traced_ms" -v n="$ops" 'BEGIN { printf "%.0f", (b - a) * 1e6 / n }') ns per heap call)."
  else
    echo "not measured: no /usr/bin/python3"
  fi
  echo
} > "$OUT/recorder.md"

echo "== instruction counts under callgrind" >&2
CG="$OUT/opcount.callgrind"
valgrind --tool=callgrind --collect-atstart=no --combine-dumps=yes --callgrind-out-file="$CG" \
  "$BUILD/bench/tinymem-opcount" > "$OUT/opcount.log" 2> "$OUT/opcount.valgrind.log"
{
  echo "## Worst-case instructions per call (callgrind Ir)"
  echo
  echo "Command: \`valgrind --tool=callgrind --collect-atstart=no --combine-dumps=yes tinymem-opcount\`"
  echo "then \`scripts/bench_opcount.py\`. Each call is measured alone (CALLGRIND_TOGGLE_COLLECT around it,"
  echo "one dump per call). Workload: pool filled with the live blocks (random sizes, about 85 % full),"
  echo "then rounds of deallocate, defrag_step(256), allocate. Each path is listed apart: allocations served from a quick list (cached), by a split, or after a compaction; deallocations kept in a quick list (cached) or merged."
  echo "The scenarios named \"limit256\" run the same rounds under \`set_compaction_limit(256)\`: \"allocate (limit 256)\" are the allocations served without moving a byte, \"(limit 256, a step)\" those served after their one bounded compaction step moved bytes, \"(limit 256, refused)\" those refused with \`compaction_deferred\` or \`compaction_limited\` after that step."
  echo "The scenarios named \"blocks above the lowest pinned\" fill a pool with 16-byte movable blocks under one \`allocate_pinned\` block at the top, with the only hole at the bottom; each round puts an \`allocate_pinned\` block in that hole and frees it: \"deallocate (lowest pinned)\" is that free, with every movable block between it and the next pinned block."
  echo
  echo '```'
  cat "$OUT/opcount.log"
  echo '```'
  echo
  python3 "$ROOT/scripts/bench_opcount.py" "$CG"
  echo
} > "$OUT/opcount.md"
rm -f "$CG"

echo "== data(h) at -O2" >&2
{
  echo "## data(h) at -O2 (clang 19, non-inlined wrappers in bench/data_disasm.cpp)"
  echo
  echo '```'
  "$BUILD/bench/tinymem-data-disasm"
  for fn in tinymem_bench_data16 tinymem_bench_data32; do
    objdump -d --no-show-raw-insn -M intel --disassemble="$fn" "$BUILD/bench/tinymem-data-disasm" |
      sed -n "/<$fn>:/,/^$/p"
  done
  echo '```'
  echo
} > "$OUT/data-disasm.md"

echo "== layout: fill density and handle bounds per pool size" >&2
{
  echo "## The layout at each pool size"
  echo
  echo "Command: \`tinymem-layout\` (bench/layout.cpp): for each pool<Bytes> and bump_pool<Bytes>, the"
  echo "configuration it chooses, how much of it 24-byte blocks fill, how many 1-byte blocks fit and"
  echo "what stopped them, the stale-handle bound and the most pools alive at once."
  echo
  "$BUILD/bench/tinymem-layout"
  echo
} > "$OUT/layout.md"

echo "== containers: tinymem's against the standard ones" >&2
{
  echo "## The containers against the standard ones"
  echo
  echo "Command: \`tinymem-containers\` (bench/containers.cpp): tinymem's unordered_map, flat_map (against"
  echo "std::map), string-keyed unordered_map (std::string_view probes on both sides) and vector, each timed"
  echo "beside its std counterpart on the default allocator in the same round; the fastest of 7 rounds."
  echo "Goal (issue 22): within 1.5x on lookups and iteration."
  echo
  "$BUILD/bench/tinymem-containers"
  echo
} > "$OUT/containers.md"

{
  echo "# tinymem bench results"
  echo
  echo "Produced by \`scripts/bench.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), machine: $(uname -srm),"
  echo "$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores (shared; absolute times drift,"
  echo "compare ratios from one run). Compiler: $(clang++-19 --version | head -1), release module build."
  echo "Traces: ${traces[*]##*/} (bench/traces/README.md). Charts: efficiency.svg, timeline-churn-48k.svg."
  echo
  sed '1,2d' "$OUT/replay.md"
  cat "$OUT/layout.md" "$OUT/containers.md" "$OUT/recorder.md" "$OUT/opcount.md" "$OUT/data-disasm.md"
} > "$OUT/README.md"
cat "$OUT/README.md"
