#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# README's second command: installs what is missing, then builds and runs every test:
#   module build (clang 19) and header build (g++ 12) of the whole suite,
#   every way a project can consume tinymem (scripts/check-consumers.sh: Meson, CMake, pkg-config,
#   copied headers, strict-warning headers, a downstream firmware on QEMU),
#   the cross builds under QEMU (Cortex-M4F gcc and clang, Cortex-M3, Cortex-M0, aarch64),
#   the sanitizer, fuzz-regression, bounded-fuzzing and thread-sanitizer runs.
# Ends with one line: "N passed, N failed". Exit status 0 only when nothing failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
scripts/deps.sh all || { echo "0 passed, 1 failed"; exit 1; }
out="${TINYMEM_BUILD_ROOT:-$root/build/test}"
rm -rf "$out"
mkdir -p "$out"
broken=()

host_build() { # name, compiler, meson args...
  local name=$1 compiler=$2 start=$SECONDS
  shift 2
  echo "== $name"
  if CXX=$compiler meson setup "$out/$name" "$@" >"$out/$name.setup.log" 2>&1 &&
     ninja -C "$out/$name" -j2 >"$out/$name.build.log" 2>&1; then
    meson test -C "$out/$name" --num-processes 2 --print-errorlogs 2>&1 | grep -E "^ *[0-9]+/[0-9]+ |^(Ok|Fail|Expected Fail|Unexpected Pass|Timeout):"
  else
    echo "   $name did not build: see $out/$name.*.log"; tail -20 "$out/$name.build.log" "$out/$name.setup.log" 2>/dev/null
    broken+=("$name")
  fi
  echo "   $name: $((SECONDS - start)) s"
}

script_step() { # name, script
  local start=$SECONDS
  echo "== $1"
  if ! bash "$2" "$out/$1" >"$out/$1.log" 2>&1; then
    echo "   $1 reported a failure: see $out/$1.log"; tail -30 "$out/$1.log"
    # Counted from its test logs; a failure before any test ran counts once here.
    ls "$out/$1"/*/meson-logs/testlog.json >/dev/null 2>&1 || broken+=("$1")
  fi
  echo "   $1: $((SECONDS - start)) s"
}

host_build module clang++-19 -Dmodules=enabled
host_build header g++-12 -Dmodules=disabled
script_step consumers scripts/check-consumers.sh
[ -f scripts/ci-cross.sh ] && script_step cross scripts/ci-cross.sh
[ -f scripts/ci-reliability.sh ] && script_step reliability scripts/ci-reliability.sh

python3 - "$out" "${#broken[@]}" <<'PY'
import json, pathlib, sys
root, broken = pathlib.Path(sys.argv[1]), int(sys.argv[2])
passed = failed = skipped = 0
for log in root.rglob("meson-logs/testlog.json"):
    for line in log.read_text().splitlines():
        result = json.loads(line)["result"]
        if result in ("OK", "EXPECTEDFAIL"): passed += 1
        elif result == "SKIP": skipped += 1
        else:
            failed += 1
            print("FAILED:", log.parent.parent.name, json.loads(line)["name"], result)
failed += broken
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
PY
