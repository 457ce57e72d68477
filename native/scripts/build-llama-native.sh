#!/usr/bin/env bash
# Builds the pinned llama.cpp (the source bundled in node-llama-cpp, see fetch-llama.sh) for this
# machine's CPU (GGML_NATIVE) with the RPC backend (GGML_RPC), once per machine, version and flags,
# into the cache Chorus looks in:
#   $CHORUS_CACHE/llama-<version>/native-linux-x86_64-<key>/   (CHORUS_CACHE defaults to ~/.cache/chorus)
#     lib/   libllama.so.0, libggml.so.0, libggml-base.so.0, libggml-cpu.so.0, libggml-rpc.so.0, ...
#     bin/   rpc-server (and, with --tools, llama-server, llama-cli, llama-bench)
#     machine.txt     the CPU (model name, flags) and compiler the build is for: Chorus loads the
#                     folder only on a CPU with the same flags
#     sha256sums.txt  every file; .complete is written last and the folder renamed into place in one
#                     step, so a reader sees no folder or a complete one
# <key> hashes the version, the source, the CPU, the compiler and the CMake options, so a change of
# any of them builds afresh. Prints the folder on stdout; progress goes to stderr.
#
# usage: build-llama-native.sh [--tools] [--jobs N] [--openmp] [--cache DIR] [--print-dir]
#                              [--llama-version V --nlc-version V]
#   --tools          also build llama-server, llama-cli and llama-bench (for benchmarks)
#   --jobs N         parallel compile jobs, default: the CPU count
#   --openmp         GGML_OPENMP=ON (default OFF: ggml's own thread pool, as the npm build)
#   --cache DIR      cache root, default $CHORUS_CACHE or ~/.cache/chorus
#   --print-dir      print the folder this machine's build has (or would have) and exit
#   --llama-version, --nlc-version  the pinned versions (default: read from the repository's pom.xml)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools=false; jobs="$(nproc)"; openmp=OFF; cache="${CHORUS_CACHE:-$HOME/.cache/chorus}"; print_dir=false
llama_version=""; nlc_version=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tools) tools=true; shift ;;
    --jobs) jobs="${2:?--jobs needs a number}"; shift 2 ;;
    --openmp) openmp=ON; shift ;;
    --cache) cache="${2:?--cache needs a folder}"; shift 2 ;;
    --print-dir) print_dir=true; shift ;;
    --llama-version) llama_version="${2:?--llama-version needs a value}"; shift 2 ;;
    --nlc-version) nlc_version="${2:?--nlc-version needs a value}"; shift 2 ;;
    -h|--help) sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-llama-native: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
fail() { echo "build-llama-native: $*" >&2; exit 1; }
say() { echo "build-llama-native: $*" >&2; }
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || fail "--jobs takes a positive number, got '$jobs'"
[[ "$(uname -s)-$(uname -m)" == Linux-x86_64 ]] || fail "builds for Linux x86-64 only, this is $(uname -s)-$(uname -m)"

if [[ -z "$llama_version" || -z "$nlc_version" ]]; then
  pom="$(dirname "$(dirname "$here")")/pom.xml"
  [[ -f "$pom" ]] || fail "pass --llama-version and --nlc-version (no repository pom.xml beside this script)"
  property() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$pom" | head -n 1; }
  llama_version="${llama_version:-$(property llama.version)}"; nlc_version="${nlc_version:-$(property node-llama-cpp.version)}"
fi

for tool in cmake ninja git c++ cc sha256sum flock; do
  command -v "$tool" >/dev/null || fail "$tool is required (apt-get install cmake ninja-build git g++)"
done

# What the build is for. The flags line decides which instructions -march=native may use.
cpu_model="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
cpu_flags="$(sed -n 's/^flags[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
[[ -n "$cpu_flags" ]] || fail "cannot read the CPU flags from /proc/cpuinfo"
compiler="$(c++ --version | head -n 1)"
cmake_options=(
  -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DLLAMA_BUILD_IS_DEV=OFF
  -DGGML_NATIVE=ON -DGGML_RPC=ON "-DGGML_OPENMP=$openmp" -DGGML_BLAS=OFF -DGGML_CCACHE=OFF
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_OPENSSL=OFF
  -DLLAMA_BUILD_COMMON=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF
  "-DCMAKE_PROJECT_INCLUDE=$here/amx-mmq-fix.cmake"
  '-DCMAKE_INSTALL_RPATH=$ORIGIN:$ORIGIN/../lib' -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON
)
# The tools are configured always (rpc-server lives among them) and built only when asked for.
library_targets=(llama ggml ggml-rpc-server)
tool_targets=(llama-server llama-cli llama-bench)
targets=("${library_targets[@]}")
if [[ "$tools" == true ]]; then targets+=("${tool_targets[@]}"); fi

# The source: node-llama-cpp's git bundle, fetched (and integrity-checked) once by fetch-llama.sh.
sources="$cache/llama-$llama_version/source"
bundle="$sources/llama-source.bundle"
[[ -s "$bundle" ]] || CHORUS_CACHE="$cache" bash "$here/fetch-llama.sh" "$nlc_version" "$llama_version" "$sources" >&2

bundle_sha="$(sha256sum < "$bundle")"; fix_sha="$(sha256sum < "$here/amx-mmq-fix.cmake")"
folder_for() {
  local key
  key="$( { echo "$llama_version"; echo "$bundle_sha"; echo "$cpu_model"; echo "$cpu_flags"; echo "$compiler";
            printf '%s\n' "${cmake_options[@]}" "$@"; echo "$fix_sha"; } | sha256sum | cut -c 1-12)"
  echo "$cache/llama-$llama_version/native-linux-x86_64-$key"
}
out="$(folder_for "${targets[@]}")"
# A build with the tools holds everything one without them does.
with_tools="$(folder_for "${library_targets[@]}" "${tool_targets[@]}")"
if [[ "$tools" == false && -f "$with_tools/.complete" ]]; then out="$with_tools"; fi
if [[ "$print_dir" == true ]]; then echo "$out"; exit 0; fi
if [[ -f "$out/.complete" ]]; then
  say "llama.cpp v$llama_version for this CPU is already built in $out"
  echo "$out"; exit 0
fi

# One build at a time per cache (test JVMs or CLIs started together); a later one finds the first's result.
exec 9> "$cache/llama-$llama_version/.native-build.lock"
if ! flock -n 9; then
  say "another build is running; waiting for it"
  flock 9
fi
if [[ -f "$out/.complete" ]]; then echo "$out"; exit 0; fi
work="$(mktemp -d "$cache/llama-$llama_version/.native-build-XXXXXX")"
trap 'rm -rf "$work"' EXIT
git clone -q "$bundle" "$work/src" 2>/dev/null || fail "cannot unpack $bundle; delete it and retry"
source_version="$(sed -n 's/^set(LLAMA_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\))$/\2/p' "$work/src/CMakeLists.txt" | paste -sd.)"
[[ "$source_version" == "$llama_version" ]] || fail "$bundle holds llama.cpp '$source_version', not v$llama_version"

say "configuring llama.cpp v$llama_version for $cpu_model ($compiler, GGML_NATIVE, GGML_RPC, OpenMP $openmp)"
started=$SECONDS
cmake -S "$work/src" -B "$work/build" "${cmake_options[@]}" > "$work/configure.log" 2>&1 \
  || { tail -n 40 "$work/configure.log" >&2; fail "CMake's configure step failed (log above)"; }
grep -q 'chorus: ggml-cpu/amx/mmq.cpp compiled with' "$work/configure.log" || fail "the AMX fix was not applied (amx-mmq-fix.cmake)"
say "compiling with $jobs jobs (Ninja prints [done/total])"
cmake --build "$work/build" -j "$jobs" --target "${targets[@]}" >&2

stage="$work/stage"; mkdir -p "$stage/lib" "$stage/bin"
cp -P "$work/build/bin/"*.so* "$stage/lib/"
cp "$work/build/bin/ggml-rpc-server" "$stage/bin/rpc-server"
if [[ "$tools" == true ]]; then cp "$work/build/bin/"{llama-server,llama-cli,llama-bench} "$stage/bin/"; fi
[[ -e "$stage/lib/libllama.so.0" && -e "$stage/lib/libggml.so.0" && -e "$stage/lib/libggml-rpc.so.0" ]] \
  || fail "the build lacks libllama.so.0, libggml.so.0 or libggml-rpc.so.0: $(ls "$stage/lib")"
readelf -d "$stage/lib/libllama.so.0" | grep -q 'RUNPATH.*\$ORIGIN' || fail "libllama.so.0 lacks RUNPATH \$ORIGIN"
"$stage/bin/rpc-server" --help >/dev/null 2>&1 || fail "the built rpc-server does not start"
{ echo "llama_version=$llama_version"; echo "cpu_model=$cpu_model"; echo "cpu_flags=$cpu_flags"
  echo "compiler=$compiler"; echo "openmp=$openmp"; echo "tools=$tools"; echo "built=$(date -u +%FT%TZ)"
  echo "build_seconds=$((SECONDS - started))"; echo "jobs=$jobs"; } > "$stage/machine.txt"
(cd "$stage" && find lib bin machine.txt -type f | LC_ALL=C sort | xargs sha256sum > sha256sums.txt)
(cd "$stage" && sha256sum --quiet -c sha256sums.txt) || fail "the staged files do not match their checksums"
basename "$out" > "$stage/.complete"
# Another process may have finished the same build first: then its folder stays and ours is dropped.
mv -T "$stage" "$out" 2>/dev/null || [[ -f "$out/.complete" ]] || fail "cannot move the build into $out"
say "llama.cpp v$llama_version built in $((SECONDS - started)) s into $out"
echo "$out"
