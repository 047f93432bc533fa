#!/bin/sh
# Installs what capsa needs to build and test on Debian 12 (bookworm).
set -eu
packages="build-essential cmake pkg-config
  libseccomp-dev libcapstone-dev libspdlog-dev libgtest-dev libgmock-dev
  libcli11-dev nlohmann-json3-dev libtomlplusplus-dev
  wabt clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! dpkg -s $packages >/dev/null 2>&1; then
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends $packages
fi
