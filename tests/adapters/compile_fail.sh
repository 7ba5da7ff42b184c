#!/bin/bash
# SPDX-License-Identifier: MIT
# Checks that tinymem::vector, tinymem::box, tinymem::flat_map / flat_set and tinymem::unordered_map /
# unordered_set refuse element types that are not relocatable, at compile time,
# with a message naming the trait. Usage: compile_fail.sh CXX-COMMAND... -- INCLUDE-DIR...
# A control compile with tinymem::vector<int> must succeed, so a broken setup cannot pass.
set -euo pipefail
cxx=()
while [[ $# -gt 0 && $1 != -- ]]; do cxx+=("$1"); shift; done
shift
incs=()
for d in "$@"; do incs+=("-I$d"); done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
try() { # $1: element type(s), $2: container (vector, box, flat_map or flat_set)
    printf '#include <string>\n#include <list>\n#include <tinymem_adapters.hpp>\nint main() { static tinymem::pool<4096> p; tinymem::%s<%s> v(p); return int(sizeof v); }\n' "${2:-vector}" "$1" > "$tmp/t.cpp"
    "${cxx[@]}" -std=c++20 -fsyntax-only "${incs[@]}" "$tmp/t.cpp" > "$tmp/out" 2>&1
}
if ! try int; then echo "control compile of tinymem::vector<int> failed:"; cat "$tmp/out"; exit 1; fi
echo "tinymem::vector<int>: compiles"
for t in std::string 'std::list<int>'; do
    if try "$t"; then echo "tinymem::vector<$t> compiled: it must be refused"; exit 1; fi
    if ! grep -q 'tinymem::is_relocatable' "$tmp/out"; then
        echo "tinymem::vector<$t> failed without naming tinymem::is_relocatable:"; head -20 "$tmp/out"; exit 1
    fi
    echo "tinymem::vector<$t>: refused, the error names tinymem::is_relocatable"
done
if ! try 'int, int' unordered_map; then echo "control compile of tinymem::unordered_map<int, int> failed:"; cat "$tmp/out"; exit 1; fi
if ! try int unordered_set; then echo "control compile of tinymem::unordered_set<int> failed:"; cat "$tmp/out"; exit 1; fi
for t in 'std::string, int' 'int, std::string' 'std::list<int>, int'; do
    if try "$t" unordered_map; then echo "tinymem::unordered_map<$t> compiled: it must be refused"; exit 1; fi
    if ! grep -q 'tinymem::is_relocatable' "$tmp/out"; then
        echo "tinymem::unordered_map<$t> failed without naming tinymem::is_relocatable:"; head -20 "$tmp/out"; exit 1
    fi
    echo "tinymem::unordered_map<$t>: refused, the error names tinymem::is_relocatable"
done
if try std::string unordered_set; then echo "tinymem::unordered_set<std::string> compiled: it must be refused"; exit 1; fi
if ! grep -q 'tinymem::is_relocatable' "$tmp/out"; then
    echo "tinymem::unordered_set<std::string> failed without naming tinymem::is_relocatable:"; head -20 "$tmp/out"; exit 1
fi
echo "tinymem::unordered_set<std::string>: refused, the error names tinymem::is_relocatable"
if ! try int box; then echo "control compile of tinymem::box<int> failed:"; cat "$tmp/out"; exit 1; fi
for t in std::string 'std::list<int>'; do
    if try "$t" box; then echo "tinymem::box<$t> compiled: it must be refused"; exit 1; fi
    if ! grep -q 'tinymem::is_relocatable' "$tmp/out"; then
        echo "tinymem::box<$t> failed without naming tinymem::is_relocatable:"; head -20 "$tmp/out"; exit 1
    fi
    echo "tinymem::box<$t>: refused, the error names tinymem::is_relocatable"
done
# flat_map refuses a non-relocatable key and a non-relocatable value; flat_set a key.
if ! try 'int, int' flat_map; then echo "control compile of tinymem::flat_map<int, int> failed:"; cat "$tmp/out"; exit 1; fi
for t in 'std::string, int' 'int, std::list<int>' 'std::string' ; do
    c=flat_map
    [[ $t == std::string ]] && c=flat_set
    if try "$t" $c; then echo "tinymem::$c<$t> compiled: it must be refused"; exit 1; fi
    if ! grep -q 'tinymem::is_relocatable' "$tmp/out"; then
        echo "tinymem::$c<$t> failed without naming tinymem::is_relocatable:"; head -20 "$tmp/out"; exit 1
    fi
    echo "tinymem::$c<$t>: refused, the error names tinymem::is_relocatable"
done
