#!/usr/bin/env bash
# Installs every Debian package the project needs, and nothing else. Idempotent: when all
# packages are present it does no network access and returns in well under a second.
# One list, one place: add a dependency here and nowhere else.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config
  # core libraries
  libcli11-dev nlohmann-json3-dev libfmt-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # plots written as PNG images
  libcairo2-dev
  # training (LibTorch, CPU) and the BLAS it should run on: Debian's default reference BLAS
  # trains ~12x slower; the OpenMP build of OpenBLAS takes over the libblas.so.3 alternative.
  libtorch-dev libopenblas0-openmp libgloo-dev
  # model file format
  libflatbuffers-dev flatbuffers-compiler
  # ONNX export (nilm convert --format onnx; host tool only): the protobuf classes of onnx.proto
  libonnx-dev libprotobuf-dev
  # comparisons in benchmarks and tests (never used by the product)
  python3-pandas python3-numpy python3-torch
  # the aarch64 cross build of the runtime and its tests under emulation (scripts/cross_test.sh):
  # clang + lld, Debian's arm64 C++ and GoogleTest libraries (multiarch), qemu-user
  clang lld qemu-user libstdc++-12-dev:arm64 libgtest-dev:arm64
)
# Peer runtimes for tests and benchmarks come from npm. This machine image ships Node 20 with its
# own npm; Debian's npm package conflicts with that build, so only a machine without node gets
# Debian's nodejs + npm.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  if [[ " ${missing[*]}" == *":arm64"* ]] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $sudo_cmd dpkg --add-architecture arm64
  fi
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
