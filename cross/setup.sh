#!/usr/bin/env bash
# Configures a tinymem cross build in one command:
#   cross/setup.sh BUILD_DIR CONFIG [meson setup options...]
# CONFIG is a cross file of this folder without .ini: cortex-m4f-gcc, cortex-m4f-clang,
# cortex-m3-gcc, cortex-m0-gcc, aarch64-linux-gcc, aarch64-linux-clang.
# Meson 1.0 cross files cannot name their own folder (@DIRNAME@ came later), so this writes
# BUILD_DIR/cross-paths.ini with the constant `cross_dir` and passes it first.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 BUILD_DIR CONFIG [meson setup options...]" >&2
    exit 2
fi
build=$1
config=$2
shift 2
cross_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source_dir=$(dirname "$cross_dir")
if [ ! -f "$cross_dir/$config.ini" ]; then
    echo "$0: no cross file $cross_dir/$config.ini" >&2
    exit 2
fi
mkdir -p "$build"
printf "[constants]\ncross_dir = '%s'\n" "$cross_dir" > "$build/cross-paths.ini"
exec meson setup "$build" "$source_dir" \
    --cross-file "$build/cross-paths.ini" --cross-file "$cross_dir/$config.ini" "$@"
