#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# CI test of the recorder (meson test record-replay): records tinymem-trace-selftest (threads,
# fork + _exit, exec, the aligned calls; and once killed by SIGTERM) and a real program (python3 running a small script),
# then checks every trace written: it parses with ids used consistently (tinymem-replay's
# reader), its header counts equal the ones recomputed from its lines, the self-test's known
# groups of requests are all there, and a verified replay into tinymem succeeds (pattern
# checked, check() ok at the end). Not a timing.
# Usage: test_record.sh RECORD.SH LIBTINYMEM-TRACE.SO SELFTEST TINYMEM-REPLAY [PYTHON3]
set -uo pipefail
record=$1 lib=$2 selftest=$3 replay=$4 python=${5:-}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# Header counts against the lines; prints "ops peak blocks" recomputed.
check_counts() {
  awk 'NR == 1 {
         for (i = 1; i <= NF; ++i) { split($i, kv, "="); h[kv[1]] = kv[2] }
         next }
       /^#/ { next }
       { ++ops
         if ($1 == "a") { sz[$2] = $3; live += $3; if (++blocks > maxb) maxb = blocks }
         else if ($1 == "r") { live += $3 - sz[$2]; sz[$2] = $3 }
         else if ($1 == "f") { live -= sz[$2]; delete sz[$2]; --blocks }
         if (live > peak) peak = live }
       END {
         if (h["ops"] != ops || h["peak_live_bytes"] != peak || h["max_live_blocks"] != maxb) {
           printf "header ops=%s peak_live_bytes=%s max_live_blocks=%s, lines give %d %d %d\n",
                  h["ops"], h["peak_live_bytes"], h["max_live_blocks"], ops, peak, maxb
           exit 1 }
         printf "%d ops, peak %d B, %d blocks\n", ops, peak, maxb }' "$1"
}

check_trace() { # file: parses, counts agree, verified tinymem replay succeeds
  local f=$1 counts
  counts=$(check_counts "$f") || { fail "$(basename "$f"): $counts"; return; }
  echo "   $(basename "$f"): $counts"
  local out
  out=$("$replay" --replay tinymem:2x --reps 1 "$f" 2>&1)
  local rc=$?
  if [ $rc -ne 0 ] || ! grep -q "ns/op" <<<"$out"; then fail "$(basename "$f"): replay: $out"; else echo "   $out"; fi
}

count() { grep -cE "$1" "$2"; }

echo "== self-test program"
TINYMEM_TRACE_LIB=$lib "$record" "$dir/self.trace" "$selftest" || fail "record.sh $selftest exited $?"
main=$dir/self.trace
[ -f "$main" ] || fail "no main trace"
others=("$dir"/self.trace.*)
[ ${#others[@]} -eq 2 ] || fail "expected 2 more traces (fork child, exec'ed image), got: ${others[*]}"
if [ -f "$main" ]; then
  check_trace "$main"
  [ "$(count '^a [0-9]+ 12345$' "$main")" -eq 100 ] || fail "main: not 100 allocations of 12345 B"
  for t in 0 1 2 3; do
    n=$(count "^a [0-9]+ 110$t\$" "$main"); m=$(count "^r [0-9]+ 220$t\$" "$main")
    [ "$n" -eq 2000 ] && [ "$m" -eq 1000 ] || fail "thread $t: $n allocations of 110$t B (want 2000), $m resizes (want 1000)"
  done
  grep -qE '^a [0-9]+ 1000 64$' "$main" || fail "posix_memalign(64, 1000) not recorded with its alignment"
  grep -qE '^a [0-9]+ 512 256$' "$main" || fail "aligned_alloc(256, 512) not recorded with its alignment"
  grep -qE '^a [0-9]+ 300 128$' "$main" || fail "memalign(128, 300) not recorded with its alignment"
  grep -qE "^a [0-9]+ 100 $(getconf PAGESIZE)\$" "$main" || fail "valloc(100) not recorded with its alignment"
  grep -qE '^a [0-9]+ 770$' "$main" || fail "calloc(10, 77) not recorded"
  [ "$(count '^r [0-9]+ (2000|4000|6000|8000|10000|12000|14000|16000|18000|20000)$' "$main")" -ge 10 ] ||
    fail "the realloc chain 16 -> 20000 B is not in the trace"
  grep -qE '^a [0-9]+ (4321|5555)$' "$main" && fail "main trace holds a child's allocations"
fi
for f in "${others[@]}"; do
  [ -f "$f" ] || continue
  check_trace "$f"
  if grep -qE '^a [0-9]+ 4321$' "$f"; then
    # The fork child: its inherited blocks first (the 97 of 12345 B still live), then its own.
    [ "$(count '^a [0-9]+ 4321$' "$f")" -eq 7 ] && [ "$(grep -c '^f' "$f")" -ge 3 ] ||
      fail "fork child: 7 allocations of 4321 B and 3 frees expected (flushed by _exit)"
    [ "$(count '^a [0-9]+ 12345$' "$f")" -eq 97 ] || fail "fork child: the 97 inherited blocks of 12345 B are not listed"
    echo "   fork child ok"
  elif grep -qE '^a [0-9]+ 5555$' "$f"; then
    [ "$(count '^a [0-9]+ 5555$' "$f")" -eq 5 ] || fail "exec'ed image: 5 allocations of 5555 B expected"
    echo "   exec'ed image ok"
  else
    fail "$(basename "$f"): neither the fork child's nor the exec'ed image's trace"
  fi
done

echo "== killed by SIGTERM"
TINYMEM_TRACE_LIB=$lib "$record" "$dir/killed.trace" "$selftest" --killed
status=$?
[ $status -eq 143 ] || fail "the --killed self-test exited $status, not 143 (SIGTERM)"
if [ -f "$dir/killed.trace" ]; then
  check_trace "$dir/killed.trace"
  [ "$(count '^a [0-9]+ 6666$' "$dir/killed.trace")" -eq 6 ] || fail "killed: the 6 allocations of 6666 B were not flushed"
else
  fail "killed: no trace written"
fi

if [ -n "$python" ] && [ -x "$python" ]; then
  echo "== python3 (a real program)"
  # PYTHONMALLOC=malloc: every object through malloc (pymalloc would serve the small ones
  # from its own arenas, out of the recorder's sight).
  PYTHONMALLOC=malloc TINYMEM_TRACE_LIB=$lib "$record" "$dir/py.trace" "$python" -S -c '
import json, collections
d = {str(i): [i] * (i % 7) for i in range(500)}
s = json.dumps(d)
c = collections.Counter(s.split(","))
print(len(json.loads(s)), len(c))' || fail "record.sh $python exited $?"
  found=0
  for f in "$dir"/py.trace*; do
    found=1
    check_trace "$f"
  done
  [ $found -eq 1 ] || fail "python3 wrote no trace"
  # A python that is a shell wrapper (pyenv) records the shell too: the interpreter's trace is
  # the one with the most allocations.
  big=0
  for f in "$dir"/py.trace*; do [ "$(grep -c '^a' "$f")" -gt 20000 ] && big=1; done
  [ $big -eq 1 ] || fail "no python3 trace with more than 20000 allocations"
else
  echo "== python3 not found: skipped the real program"
fi

[ $fails -eq 0 ] && echo "all recorder checks passed" || echo "$fails recorder checks failed"
exit $((fails != 0))
