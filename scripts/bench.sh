#!/usr/bin/env bash
# The one bench command (issue 4): builds the release module build with clang 19 and runs
#   - tinymem-replay on the traces (efficiency, ns/op, defrag() vs memmove, SVG charts),
#   - tinymem-opcount under callgrind (worst-case instructions of allocate, deallocate,
#     defrag_step(256) at 4 KiB, 64 KiB and 1 MiB pools with 100 and 10,000 live blocks),
#   - the disassembly of data(h) at -O2,
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
ninja -C "$BUILD" -j2 bench/tinymem-replay bench/tinymem-opcount bench/tinymem-data-disasm >/dev/null
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
  echo "The scenarios named \"limit256\" run the same rounds under \`set_compaction_limit(256)\`: \"allocate (limit 256)\" are the allocations served without moving a byte, \"(limit 256, a step)\" those served after their one bounded compaction step moved bytes, \"(limit 256, refused)\" those refused with \`compaction_deferred\` after that step."
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

{
  echo "# tinymem bench results"
  echo
  echo "Produced by \`scripts/bench.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), machine: $(uname -srm),"
  echo "$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores (shared; absolute times drift,"
  echo "compare ratios from one run). Compiler: $(clang++-19 --version | head -1), release module build."
  echo "Traces: ${traces[*]##*/} (bench/traces/README.md). Charts: efficiency.svg, timeline-churn-48k.svg."
  echo
  sed '1,2d' "$OUT/replay.md"
  cat "$OUT/opcount.md" "$OUT/data-disasm.md"
} > "$OUT/README.md"
cat "$OUT/README.md"
