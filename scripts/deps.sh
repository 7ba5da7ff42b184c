#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what tinymem's builds need on Debian 12, skipping what is already there.
#   scripts/deps.sh demo   the module build of the demo (clang 19, meson, ninja)
#   scripts/deps.sh all    every build and test: g++ 12, Boost.Test, the Arm and aarch64
#                          cross toolchains, QEMU, valgrind, gcc (the C compiler of the
#                          recorder, tools/trace) and python3 (the program its test records)
set -euo pipefail
demo=(meson ninja-build clang-19 libclang-rt-19-dev)
all=("${demo[@]}" clang-tools-19 g++-12 gcc libboost-test-dev python3 pkgconf
     gcc-arm-none-eabi libstdc++-arm-none-eabi-newlib libnewlib-arm-none-eabi
     qemu-system-arm qemu-user g++-12-aarch64-linux-gnu valgrind cmake make git)
case "${1:-all}" in
  demo) wanted=("${demo[@]}") ;;
  all) wanted=("${all[@]}") ;;
  *) echo "usage: $0 [demo|all]" >&2; exit 2 ;;
esac
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
