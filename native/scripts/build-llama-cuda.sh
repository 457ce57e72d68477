#!/usr/bin/env bash
# Builds the pinned llama.cpp (the source bundled in node-llama-cpp, see fetch-llama.sh) as shared
# libraries with the CUDA backend, into a folder Chorus loads with -Dchorus.llama.dir or
# CHORUS_LLAMA_DIR: libllama.so.0, libggml.so.0, libggml-base.so.0, libggml-cuda.so.0, ... with
# RUNPATH $ORIGIN, so the folder can be moved as a whole.
#
# usage: build-llama-cuda.sh [--arch 90] [--out DIR] [--work DIR] [--jobs N] [--cpu] [--configure-only]
#   --arch N          CUDA architecture (CMAKE_CUDA_ARCHITECTURES), default 90 (H100/H200)
#   --out DIR         where the libraries go, default native/target/llama-cuda-sm<arch> (llama-cpu with --cpu)
#   --work DIR        source and build tree, default native/target/llama-build
#   --jobs N          parallel compile jobs, default: the CPU count
#   --cpu             GGML_CUDA=OFF: a CPU-only build (no nvcc needed), to check the script itself
#   --configure-only  stop after CMake's configure step
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
native="$(dirname "$here")"
root="$(dirname "$native")"

arch=90; out=""; work="$native/target/llama-build"; jobs="$(nproc)"; cuda=ON; configure_only=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --arch) arch="${2:?--arch needs a value}"; shift 2 ;;
    --out) out="${2:?--out needs a folder}"; shift 2 ;;
    --work) work="${2:?--work needs a folder}"; shift 2 ;;
    --jobs) jobs="${2:?--jobs needs a number}"; shift 2 ;;
    --cpu) cuda=OFF; shift ;;
    --configure-only) configure_only=true; shift ;;
    -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-llama-cuda: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$arch" =~ ^[0-9]+[a-z]?$ ]] || { echo "build-llama-cuda: --arch takes a CUDA architecture such as 90, got '$arch'" >&2; exit 2; }
if [[ -z "$out" ]]; then
  if [[ "$cuda" == ON ]]; then out="$native/target/llama-cuda-sm$arch"; else out="$native/target/llama-cpu"; fi
fi

fail() { echo "build-llama-cuda: $*" >&2; exit 1; }
command -v cmake >/dev/null || fail "cmake is required (apt-get install cmake)"
command -v git >/dev/null || fail "git is required (apt-get install git)"
command -v c++ >/dev/null || fail "a C++ compiler is required (apt-get install g++)"
cmake_cuda=()
if [[ "$cuda" == ON ]]; then
  nvcc="${CUDACXX:-$(command -v nvcc || true)}"
  [[ -n "$nvcc" && -x "$nvcc" ]] || fail "nvcc (the CUDA compiler) was not found on PATH or in CUDACXX; install the CUDA toolkit, or pass --cpu for a CPU-only build"
  echo "build-llama-cuda: $("$nvcc" --version | tail -n 2 | head -n 1)" >&2
  # ggml-cuda links cuBLAS, which is a separate package from nvcc (libcublas-dev-13-0 and the like).
  cuda_lib="$("$nvcc" --dryrun -c -x cu /dev/null -o /dev/null 2>&1 | sed -n 's/^#\$ TOP=//p')/targets/$(uname -m)-linux/lib"
  compgen -G "$cuda_lib/libcublas.so*" >/dev/null \
    || fail "cuBLAS is not installed beside nvcc (no libcublas.so in $cuda_lib); install the CUDA toolkit's cuBLAS development package"
  cmake_cuda=(-DGGML_CUDA=ON "-DCMAKE_CUDA_ARCHITECTURES=$arch" "-DCMAKE_CUDA_COMPILER=$nvcc")
else
  cmake_cuda=(-DGGML_CUDA=OFF)
fi

# The versions come from the root pom, the one place they are pinned.
property() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$root/pom.xml" | head -n 1; }
llama_version="$(property llama.version)"; nlc_version="$(property node-llama-cpp.version)"
[[ -n "$llama_version" && -n "$nlc_version" ]] || fail "cannot read llama.version and node-llama-cpp.version from $root/pom.xml"

bundle="$native/target/llama/llama-source.bundle"
[[ -s "$bundle" ]] || bash "$here/fetch-llama.sh" "$nlc_version" "$llama_version" "$native/target/llama"

src="$work/src"; build="$work/build-$([[ "$cuda" == ON ]] && echo "cuda-sm$arch" || echo cpu)"
if [[ ! -f "$src/include/llama.h" ]]; then
  rm -rf "$src"; mkdir -p "$work"
  git clone -q "$bundle" "$src"
fi
source_version="$(sed -n 's/^set(LLAMA_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\))$/\2/p' "$src/CMakeLists.txt" | paste -sd.)"
[[ "$source_version" == "$llama_version" ]] || fail "$src holds llama.cpp '$source_version', not v$llama_version; delete $work"

echo "build-llama-cuda: configuring llama.cpp v$llama_version (GGML_CUDA=$cuda) in $build" >&2
cmake -S "$src" -B "$build" \
  -DCMAKE_BUILD_TYPE=Release \
  -DBUILD_SHARED_LIBS=ON \
  -DLLAMA_BUILD_IS_DEV=OFF \
  -DGGML_NATIVE=OFF -DGGML_CCACHE=OFF \
  -DLLAMA_BUILD_COMMON=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_OPENSSL=OFF \
  -DCMAKE_INSTALL_LIBDIR=lib \
  '-DCMAKE_INSTALL_RPATH=$ORIGIN' -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON \
  "${cmake_cuda[@]}"
if [[ "$configure_only" == true ]]; then
  echo "build-llama-cuda: configured; build with: cmake --build $build -j $jobs" >&2
  exit 0
fi

cmake --build "$build" -j "$jobs"
stage="$work/install-$$"
rm -rf "$stage"
cmake --install "$build" --prefix "$stage" >/dev/null

# Only the shared libraries (and their soname links) travel; the folder is swapped in whole.
tmp="$out.tmp-$$"
rm -rf "$tmp"; mkdir -p "$tmp"
cp -P "$stage"/lib/*.so* "$tmp"/
rm -rf "$stage"
[[ -e "$tmp/libllama.so.0" && -e "$tmp/libggml.so.0" ]] || fail "the install lacks libllama.so.0 or libggml.so.0: $(ls "$tmp")"
if [[ "$cuda" == ON && ! -e "$tmp/libggml-cuda.so.0" ]]; then fail "the install lacks libggml-cuda.so.0: $(ls "$tmp")"; fi
readelf -d "$tmp/libllama.so.0" | grep -q 'RUNPATH.*\$ORIGIN' || fail "libllama.so.0 lacks RUNPATH \$ORIGIN"
rm -rf "$out"; mv "$tmp" "$out"
echo "build-llama-cuda: llama.cpp v$llama_version ready in $out; run Chorus with -Dchorus.llama.dir=$out" >&2
