#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every way a project can take tinymem, each built and run as a user would (issue 19):
#   scripts/check-consumers.sh BUILD_ROOT
# Routes (the consumer program is tests/consumers/consumer.cpp unless said otherwise):
#   meson-subproject-headers  Meson parent, subprojects/tinymem -> this tree, g++ 12
#   meson-subproject-module   the same with clang 19 and the parent at cpp_std=gnu++20 (module)
#   meson-wrap                Meson parent with the README's [wrap-git] recipe (this repo, HEAD)
#   meson-install             Meson parent, tinymem from `meson install` through pkg-config
#   make-pkgconfig-headers    plain Makefile, same install, headers (g++ 12)
#   make-pkgconfig-module     plain Makefile, same install, the installed .cppm units (clang 19)
#   cmake-subdirectory        add_subdirectory(tinymem), g++ 12
#   cmake-fetchcontent        FetchContent from this repo at HEAD, clang 19
#   cmake-find-package        find_package(tinymem CONFIG) after `cmake --install`, g++ 12
#   copied-headers            modules/ and adapters/ headers copied into a folder, g++ 12
#   headers-*                 tests/headers/check.sh: strict warnings with -Werror and the
#                             -std=c++17 #error, with g++ 12, clang 19 and arm-none-eabi-g++
#   firmware-cortex-m4f       tests/consumers/firmware, tinymem as its subproject, built with
#                             cross/cortex-m4f-gcc.ini and run on qemu-system-arm
# The Meson subproject routes also check that the parent installs nothing of tinymem.
# The wrap and FetchContent routes take the committed HEAD of this repository.
# Prints one line per route; results also go to BUILD_ROOT/routes/meson-logs/testlog.json (the
# Meson routes' own testlogs count for themselves), which scripts/test.sh counts.
# Exit status 0 when every route passed.
set -uo pipefail
root=${1:?usage: check-consumers.sh BUILD_ROOT}
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root"
root=$(cd "$root" && pwd)
rev=$(git -C "$src" rev-parse HEAD)
results="$root/routes/meson-logs"
rm -rf "$results"
mkdir -p "$results"
failed=()
start_all=$SECONDS

# route NAME RECORD COMMAND...: runs COMMAND (a function below) with its output in NAME.log,
# prints the consumer's line, and records the result (RECORD=1: in this script's testlog).
route() {
    local name=$1 record=$2 start=$SECONDS status line
    shift 2
    "$@" >"$root/$name.log" 2>&1
    status=$?
    line=$(grep -E "^(consumer|firmware consumer|headers|c\+\+17|parent)" "$root/$name.log" | tr '\n' ';' | sed 's/;$//; s/;/; /g')
    if [ $status -eq 0 ]; then
        echo "PASS $name ($((SECONDS - start)) s): $line"
    else
        echo "FAIL $name ($((SECONDS - start)) s): see $root/$name.log"
        tail -15 "$root/$name.log" | sed 's/^/    /'
        failed+=("$name")
    fi
    if [ "$record" = 1 ]; then
        printf '{"name": "%s", "result": "%s"}\n' "$name" "$([ $status -eq 0 ] && echo OK || echo FAIL)" \
            >>"$results/testlog.json"
    fi
}

# A copy of tests/consumers/meson with the consumer program next to it.
meson_project() { # DIR
    rm -rf "$1"
    mkdir -p "$1/subprojects"
    cp "$src"/tests/consumers/meson/* "$src/tests/consumers/consumer.cpp" "$1/"
}

# The parent's view of tinymem: targets it builds, files its install would add (must be none).
parent_report() { # BUILD_DIR
    meson introspect --targets "$1" | python3 -c '
import json, sys
t = [x["name"] for x in json.load(sys.stdin) if x.get("subproject") == "tinymem"]
print(f"parent: builds {len(t)} tinymem targets {t}")'
    local installed
    installed=$(meson introspect --installed "$1" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
    echo "parent: meson install would install $installed files"
    [ "$installed" -eq 0 ]
}

meson_subproject() { # COMPILER [parent meson options...]
    local compiler=$1 dir
    shift
    dir="$root/meson-sub-$compiler"
    meson_project "$root/proj-sub-$compiler"
    ln -s "$src" "$root/proj-sub-$compiler/subprojects/tinymem"
    rm -rf "$dir"
    CXX=$compiler meson setup "$dir" "$root/proj-sub-$compiler" -Dfrom=subproject "$@" &&
        parent_report "$dir" && ninja -C "$dir" && meson test -C "$dir" -v
}

meson_wrap() {
    local proj="$root/proj-wrap" dir="$root/meson-wrap"
    meson_project "$proj"
    # The README's recipe, pointing at this repository.
    cat >"$proj/subprojects/tinymem.wrap" <<WRAP
[wrap-git]
url = $src
revision = $rev

[provide]
tinymem = tinymem_dep
tinymem_adapters = tinymem_adapters_dep
WRAP
    rm -rf "$dir"
    CXX=g++-12 meson setup "$dir" "$proj" -Dfrom=wrap -Droute="meson wrap" &&
        parent_report "$dir" && ninja -C "$dir" && meson test -C "$dir" -v
}

meson_installed() {
    rm -rf "$root/lib" "$root/prefix" "$root/meson-install"
    CXX=g++-12 meson setup "$root/lib" "$src" -Dmodules=disabled -Dtests=false -Dexamples=false \
        -Dbenchmarks=false --prefix "$root/prefix" &&
        meson install -C "$root/lib" || return 1
    pc=$(dirname "$(find "$root/prefix" -name tinymem.pc | head -n1)")
    echo "pkg-config: tinymem $(PKG_CONFIG_PATH=$pc pkg-config --modversion tinymem)," \
         "module unit $(PKG_CONFIG_PATH=$pc pkg-config --variable=module_tinymem tinymem)"
    meson_project "$root/proj-install"
    CXX=g++-12 PKG_CONFIG_PATH="$pc" meson setup "$root/meson-install" "$root/proj-install" \
        -Dfrom=install -Droute="meson pkg-config" && ninja -C "$root/meson-install" &&
        meson test -C "$root/meson-install" -v
}

make_pkgconfig() { # header|module COMPILER
    local dir="$root/make-$1"
    rm -rf "$dir"
    mkdir -p "$dir"
    PKG_CONFIG_PATH="$pc" make -C "$dir" -f "$src/tests/consumers/makefile/Makefile" "$1" CXX="$2" &&
        "$dir/consumer-$1"
}

cmake_consumer() { # FROM COMPILER [cmake options...]
    local from=$1 compiler=$2 dir="$root/cmake-$1"
    shift 2
    rm -rf "$dir"
    cmake -S "$src/tests/consumers/cmake" -B "$dir" -DCMAKE_CXX_COMPILER="$compiler" \
        -DTINYMEM_FROM="$from" "$@" && cmake --build "$dir" && "$dir/consumer"
}

cmake_package() {
    rm -rf "$root/cmake-lib" "$root/cmake-prefix"
    cmake -S "$src" -B "$root/cmake-lib" -DCMAKE_CXX_COMPILER=g++-12 \
        -DCMAKE_INSTALL_PREFIX="$root/cmake-prefix" && cmake --install "$root/cmake-lib" &&
        cmake_consumer package g++-12 -DCMAKE_PREFIX_PATH="$root/cmake-prefix"
}

copied_headers() {
    local inc="$root/copied/include"
    rm -rf "$root/copied"
    mkdir -p "$inc/tinymem"
    # What a user copies: the core's headers, and the adapters' if they want them.
    cp "$src/modules/tinymem.hpp" "$src/adapters/tinymem_adapters.hpp" "$inc/" &&
        cp -r "$src/modules/tinymem/." "$inc/tinymem/" &&
        cp -r "$src/adapters/tinymem/adapters" "$inc/tinymem/" &&
        g++-12 -std=c++20 -Wall -Wextra -I "$inc" -DTINYMEM_CONSUMER_ADAPTERS=1 \
            '-DTINYMEM_CONSUMER_ROUTE="copied headers"' "$src/tests/consumers/consumer.cpp" \
            -o "$root/copied/consumer" && "$root/copied/consumer"
}

firmware() {
    local proj="$root/proj-firmware" dir="$root/firmware-m4f"
    rm -rf "$proj" "$dir"
    mkdir -p "$proj/subprojects"
    cp "$src"/tests/consumers/firmware/* "$proj/"
    ln -s "$src" "$proj/subprojects/tinymem"
    "$src/cross/setup.sh" --project "$proj" "$dir" cortex-m4f-gcc && parent_report "$dir" &&
        ninja -C "$dir" && meson test -C "$dir" -v
}

arm=(arm-none-eabi-g++ -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -fno-exceptions -fno-rtti)

route meson-subproject-headers 0 meson_subproject g++-12 -Droute="meson subproject"
route meson-subproject-module 0 meson_subproject clang++-19 -Dcpp_std=gnu++20 -Droute="meson subproject, gnu++20"
route meson-wrap 0 meson_wrap
route meson-install 0 meson_installed
route make-pkgconfig-headers 1 make_pkgconfig header g++-12
route make-pkgconfig-module 1 make_pkgconfig module clang++-19
route cmake-subdirectory 1 cmake_consumer subdirectory g++-12 -DTINYMEM_SOURCE_DIR="$src"
route cmake-fetchcontent 1 cmake_consumer fetchcontent clang++-19 -DTINYMEM_GIT="$src" -DTINYMEM_GIT_TAG="$rev"
route cmake-find-package 1 cmake_package
route copied-headers 1 copied_headers
route headers-g++-12 1 "$src/tests/headers/check.sh" "$src" full g++-12
route headers-clang++-19 1 "$src/tests/headers/check.sh" "$src" full clang++-19
route headers-arm-none-eabi-g++ 1 "$src/tests/headers/check.sh" "$src" core "${arm[@]}"
route firmware-cortex-m4f 0 firmware

echo "consumers: $((14 - ${#failed[@]})) of 14 routes passed in $((SECONDS - start_all)) s"
[ ${#failed[@]} -eq 0 ] || { echo "consumers: FAILED: ${failed[*]}"; exit 1; }
