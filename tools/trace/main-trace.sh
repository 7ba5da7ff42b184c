#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Prints the trace of a recorded program's own process: of OUT.trace and the OUT.trace.<pid>
# files that scripts/record.sh wrote for other processes (a compiler driver's children, a shell
# wrapper that execs the program), the one with the most operations.
#   tools/trace/main-trace.sh OUT.trace
set -euo pipefail
out=$1
best="" best_ops=-1
for f in "$out" "$out".[0-9]*; do
  [ -f "$f" ] || continue
  ops=$(head -c 256 "$f" | sed -n 's/.* ops=\([0-9]*\).*/\1/p')
  if [ "${ops:-0}" -gt "$best_ops" ]; then best=$f best_ops=${ops:-0}; fi
done
[ -n "$best" ] || { echo "main-trace.sh: no trace $out" >&2; exit 1; }
echo "$best"
