#!/usr/bin/env bash
# Builds the wasm3 interpreter as a baseline for run-bench.sh.
#
# usage: tools/bench/build-wasm3.sh MIRROR_GIT_DIR [DEST]
#   MIRROR_GIT_DIR  a bare git snapshot of wasm3/wasm3 (e.g. /work/.mirror/wasm3+wasm3/repo)
#   DEST            where to unpack and build (default: <repo>/third_party_local/wasm3)
# Prints the path of the built wasm3 binary on its last line.
#
# BUILD_WASI=simple: wasm3's own preview1 subset. The default (uvwasi) downloads libuv and
# uvwasi at configure time, which this machine cannot do. Release + gcc + BUILD_NATIVE
# (-march=native) + LTO is how wasm3 publishes its own numbers.
set -euo pipefail

mirror=${1:?usage: build-wasm3.sh MIRROR_GIT_DIR [DEST]}
root=$(cd "$(dirname "$0")/../.." && pwd)
dest=${2:-$root/third_party_local/wasm3}

rm -rf "$dest/src" "$dest/build"
mkdir -p "$dest/src"
git --git-dir="$mirror" archive HEAD | tar -x -C "$dest/src"
git --git-dir="$mirror" rev-parse HEAD >"$dest/COMMIT"

cmake -S "$dest/src" -B "$dest/build" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ \
  -DBUILD_WASI=simple >"$dest/configure.log"
cmake --build "$dest/build" >"$dest/build.log"
echo "$dest/build/wasm3"
