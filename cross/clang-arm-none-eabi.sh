#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The C++ "compiler" of cross/cortex-m4f-clang.ini: clang 19 compiles (it builds the tinymem
# module), arm-none-eabi-g++ links (clang's own bare-metal link wants lld, compiler-rt and
# libc++, which this toolchain does not have; GCC's driver knows newlib, libstdc++, libgcc,
# the multilibs and the specs files).
#
# Compile steps (-c, -E, -S, --version, -print-*) go to clang with what it needs to use the
# arm-none-eabi headers: the target, GCC's enum ABI (-fshort-enums), and the include folders of
# newlib and of libstdc++ for the multilib matching the -mcpu/-mfpu/-mfloat-abi flags given.
# Everything else is a link and goes to arm-none-eabi-g++ unchanged (a compile-and-link in one
# step, as in Meson's sanity check, is then compiled by g++: both share the same ABI).
set -euo pipefail

CLANG=${TINYMEM_CLANG:-clang++-19}
GXX=${TINYMEM_ARM_GXX:-arm-none-eabi-g++}

compile=0
arch=()
for a in "$@"; do
    case $a in
        -c|-E|-S|--version|-v|-print-*|--print-*|-dumpversion|-dumpmachine) compile=1 ;;
        -mcpu=*|-mfpu=*|-mfloat-abi=*|-mthumb|-march=*) arch+=("$a") ;;
    esac
done

if [ $compile -eq 0 ]; then
    exec "$GXX" "$@"
fi

sysroot=$("$GXX" -print-sysroot 2>/dev/null || true)
[ -n "$sysroot" ] || sysroot=/usr/lib/arm-none-eabi
gcc_version=$("$GXX" -dumpversion)
multilib=$("$GXX" "${arch[@]}" -print-multi-directory)
cxx_inc=$sysroot/include/c++/$gcc_version
# Debian's layout: /usr/lib/arm-none-eabi/include{,/c++/12.2.1}; Arm's tarballs use
# <prefix>/arm-none-eabi/include. Both are the sysroot's include folder.
exec "$CLANG" --target=arm-none-eabi -fshort-enums -nostdlibinc \
    -isystem "$cxx_inc" -isystem "$cxx_inc/arm-none-eabi/$multilib" -isystem "$cxx_inc/backward" \
    -isystem "$sysroot/include" "$@"
