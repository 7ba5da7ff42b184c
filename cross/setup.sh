#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Configures a cross build in one command, of tinymem itself or of a project that uses it:
#   cross/setup.sh BUILD_DIR CONFIG [meson setup options...]
#   cross/setup.sh --project SOURCE_DIR BUILD_DIR CONFIG [meson setup options...]
# CONFIG is a cross file of this folder without .ini: cortex-m4f-gcc, cortex-m4f-clang,
# cortex-m3-gcc, cortex-m0-gcc, aarch64-linux-gcc, aarch64-linux-clang.
# --project configures SOURCE_DIR (e.g. a firmware project with tinymem in its subprojects/)
# instead of tinymem; the cross files hold no project options, so they fit any project.
# Meson 1.0 cross files cannot name their own folder (@DIRNAME@ came later), so this writes
# BUILD_DIR/cross-paths.ini with the constant `cross_dir` and passes it first.
set -euo pipefail
cross_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source_dir=$(dirname "$cross_dir")
own=1
if [ "${1:-}" = --project ]; then
    [ $# -ge 2 ] || { echo "$0: --project needs a source folder" >&2; exit 2; }
    source_dir=$2
    own=0
    shift 2
fi
if [ $# -lt 2 ]; then
    echo "usage: $0 [--project SOURCE_DIR] BUILD_DIR CONFIG [meson setup options...]" >&2
    exit 2
fi
build=$1
config=$2
shift 2
if [ ! -f "$cross_dir/$config.ini" ]; then
    echo "$0: no cross file $cross_dir/$config.ini" >&2
    exit 2
fi
# tinymem's own test runs on targets that are slow or small (options of tinymem's project, so
# not in the cross files). Options given on the command line come later and win.
settings=()
if [ $own = 1 ]; then
    case $config in
        # Under qemu-user the default 1,200,000 operations of the randomised test exceed its
        # 600 s timeout.
        aarch64-*) settings=(-Drandom_ops=100000) ;;
        # 16 KiB of RAM: the examples' 64 KiB pools do not fit.
        cortex-m0-*) settings=(-Dexamples=false) ;;
    esac
fi
mkdir -p "$build"
printf "[constants]\ncross_dir = '%s'\n" "$cross_dir" > "$build/cross-paths.ini"
exec meson setup "$build" "$source_dir" \
    --cross-file "$build/cross-paths.ini" --cross-file "$cross_dir/$config.ini" "${settings[@]}" "$@"
