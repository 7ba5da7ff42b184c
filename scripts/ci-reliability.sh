#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Reliability CI: sanitizer builds, fuzz corpus regression, bounded fuzzing, ThreadSanitizer.
# Usage: scripts/ci-reliability.sh BUILD_ROOT [FUZZ_SECONDS]   (installs nothing; clang 19)
#   BUILD_ROOT/asan   module build, -Db_sanitize=address,undefined: the whole suite (tests/),
#                     the reliability suite and the libFuzzer corpus replay (-Dfuzzing=true)
#   BUILD_ROOT/tsan   -Db_sanitize=thread: synchronized-threads (the multi-threaded test)
# then fuzzes each libFuzzer target for FUZZ_SECONDS in all (default 120) from a copy of its
# corpus; a crash fails the script (the reproducer is kept under BUILD_ROOT/fuzz-artifacts).
set -euo pipefail
root=${1:?usage: ci-reliability.sh BUILD_ROOT [FUZZ_SECONDS]}
fuzz_seconds=${2:-120}
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root"
root=$(cd "$root" && pwd)
export CXX=${CXX:-clang++-19}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1}
status=0

setup() { # dir, options...
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$src" "$@"
  fi
  ninja -C "$dir" -j2
}

# 1. ASan + UBSan, module build, whole suite + fuzz corpus replay.
setup "$root/asan" -Db_sanitize=address,undefined -Db_lundef=false -Dfuzzing=true \
  -Dbenchmarks=false -Dexamples=false
# The module object must be instrumented: clang accepts a .pcm built without -fsanitize in an
# instrumented importer, so only the object shows it (docs/building.md, "Pitfalls").
mod_obj=$(find "$root/asan/modules" -name 'tinymem.o' | head -n1)
if ! nm "$mod_obj" | grep -q '__asan_'; then
  echo "ci-reliability: $mod_obj has no __asan_ symbols: the module is not instrumented" >&2
  status=1
else
  echo "ci-reliability: module object instrumented ($(nm "$mod_obj" | grep -c '__asan_') __asan_ references)"
fi
meson test -C "$root/asan" --num-processes 2 --print-errorlogs || status=1

# 2. ThreadSanitizer: synchronized_pool under four threads. Only that program: every other test
# runs on one thread, where TSan has nothing to find (it took 2-3 minutes of CI to build and run
# them).
if [ ! -f "$root/tsan/build.ninja" ]; then
  meson setup "$root/tsan" "$src" -Db_sanitize=thread -Db_lundef=false -Dbenchmarks=false -Dexamples=false
fi
ninja -C "$root/tsan" -j2 tests/reliability/threads-test
meson test -C "$root/tsan" --no-rebuild --print-errorlogs synchronized-threads || status=1

# 3. Bounded fuzzing of every libFuzzer target, seeded from the corpus.
targets=$(find "$root/asan/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x | sort)
count=$(echo "$targets" | grep -c . || true)
if [ "$count" -gt 0 ]; then
  per=$(( fuzz_seconds / count ))
  mkdir -p "$root/fuzz-artifacts"
  for exe in $targets; do
    name=${exe##*/fuzz_}
    work="$root/fuzz-work/$name"
    mkdir -p "$work"
    cp -n "$src/fuzz/corpus/$name/"* "$work/" 2>/dev/null || true
    echo "ci-reliability: fuzzing $name for ${per}s"
    if ! "$exe" -max_total_time="$per" -max_len=2048 -print_final_stats=1 \
         -artifact_prefix="$root/fuzz-artifacts/$name-" "$work" > "$root/fuzz-$name.log" 2>&1; then
      echo "ci-reliability: fuzz_$name found a failure:" >&2
      grep -E 'ERROR|fuzz_|SUMMARY|runtime error' "$root/fuzz-$name.log" | head -20 >&2
      status=1
    fi
    grep -E '^stat::number_of_executed_units|^Done' "$root/fuzz-$name.log" || true
  done
fi
exit $status
