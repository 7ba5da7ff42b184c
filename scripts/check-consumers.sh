#!/usr/bin/env bash
# Builds tests/consumer twice: with tinymem as a Meson subproject (module build with clang 19),
# and against a `meson install` of a header build (g++ 12, found through pkg-config).
# Usage: scripts/check-consumers.sh BUILD_ROOT
set -euo pipefail
root=${1:?usage: check-consumers.sh BUILD_ROOT}
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root"
root=$(cd "$root" && pwd)

# 1. Subproject: a copy of the consumer with subprojects/tinymem pointing at this tree.
proj="$root/project"
rm -rf "$proj"
mkdir -p "$proj/subprojects"
cp "$src"/tests/consumer/* "$proj/"
ln -s "$src" "$proj/subprojects/tinymem"
CXX=clang++-19 meson setup "$root/subproject" "$proj" -Dfrom=subproject >/dev/null
ninja -C "$root/subproject" >/dev/null
meson test -C "$root/subproject"

# 2. Installed: headers and pkg-config file of a header build, in a staging prefix.
CXX=g++-12 meson setup "$root/lib" "$src" -Dmodules=disabled -Dtests=false -Dexamples=false \
  -Dbenchmarks=false --prefix "$root/prefix" >/dev/null
meson install -C "$root/lib" >/dev/null
pc=$(dirname "$(find "$root/prefix" -name tinymem.pc | head -n1)")
CXX=g++-12 PKG_CONFIG_PATH="$pc" meson setup "$root/installed" "$proj" -Dfrom=install >/dev/null
ninja -C "$root/installed" >/dev/null
meson test -C "$root/installed"
