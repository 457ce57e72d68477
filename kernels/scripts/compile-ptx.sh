#!/usr/bin/env bash
# Compiles every kernels/src/main/cuda/*.cu to PTX for compute_80 (Ampere and newer; the driver JIT-
# compiles it for the actual GPU at cuModuleLoadData). Without nvcc the CUDA backend has no PTX and
# reports itself unavailable; set CHORUS_NVCC to use a compiler that is not on PATH or in /usr/local/cuda.
# usage: compile-ptx.sh SRC_DIR OUT_DIR
set -euo pipefail
src="$1"; out="$2"
nvcc="${CHORUS_NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}"
mkdir -p "$out"
if [[ ! -x "$nvcc" ]]; then
  echo "compile-ptx: nvcc not found; the CUDA backend will be unavailable in this build" >&2
  exit 0
fi
shopt -s nullglob
for cu in "$src"/*.cu; do
  ptx="$out/$(basename "${cu%.cu}").ptx"
  if [[ ! -s "$ptx" || "$cu" -nt "$ptx" || "$(find "$src" -name '*.cuh' -newer "$ptx" | head -1)" ]]; then
    echo "compile-ptx: $(basename "$cu")" >&2
    "$nvcc" -ptx -arch=compute_80 -O3 -std=c++17 -I"$src" -o "$ptx.tmp" "$cu"
    mv "$ptx.tmp" "$ptx"
  fi
done
