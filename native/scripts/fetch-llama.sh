#!/usr/bin/env bash
# Obtains the pinned llama.cpp from the npm registry, reproducibly and once:
#   - @node-llama-cpp/linux-x64@VERSION: the CPU shared libraries (llama.cpp v0.5.0);
#   - node-llama-cpp@VERSION: llama/gitRelease.bundle, the full llama.cpp source as a git bundle.
# `npm pack` checks each tarball against the registry's integrity hash. Tarballs are cached in
# $CHORUS_CACHE/npm (default ~/.cache/chorus/npm) so later builds fetch nothing.
#
# usage: fetch-llama.sh NODE_LLAMA_CPP_VERSION LLAMA_VERSION OUT_DIR
#   OUT_DIR/natives/linux-x86_64/   the CPU libraries, as packed into the chorus-native jar, with
#                                   index.txt, sha256sums.txt and llama-version.txt
#   OUT_DIR/llama-source.bundle     the llama.cpp git bundle (for build-llama-cuda.sh)
#   OUT_DIR/vocab/ggml-vocab-llama-spm.gguf  the 32000-token SentencePiece vocabulary from the source
#   OUT_DIR/vocab/ggml-vocab-llama-bpe.gguf  Llama-3's 128256-token BPE vocabulary from the source
set -euo pipefail

nlc_version="$1"; llama_version="$2"; out="$3"
cache="${CHORUS_CACHE:-$HOME/.cache/chorus}/npm"
mkdir -p "$cache" "$out"

command -v npm >/dev/null || { echo "fetch-llama: npm is required (apt-get install npm)" >&2; exit 1; }
command -v git >/dev/null || { echo "fetch-llama: git is required (apt-get install git)" >&2; exit 1; }

# npm pack NAME@VERSION into the cache unless it is already there; prints the tarball's path.
fetch() {
  local spec="$1" file="$2"
  if [[ ! -s "$cache/$file" ]]; then
    echo "fetch-llama: npm pack $spec" >&2
    local tmp; tmp="$(mktemp -d "$cache/.pack.XXXXXX")"
    (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
    mv "$tmp/$file" "$cache/$file"
    rm -rf "$tmp"
  fi
  echo "$cache/$file"
}

cpu_tgz="$(fetch "@node-llama-cpp/linux-x64@$nlc_version" "node-llama-cpp-linux-x64-$nlc_version.tgz")"
src_tgz="$(fetch "node-llama-cpp@$nlc_version" "node-llama-cpp-$nlc_version.tgz")"

# CPU libraries: libllama/libggml carry the version in their file names; the CPU-variant backends
# (libggml-cpu-*.so) are picked at run time by ggml_backend_load_all_from_path.
libs="$out/natives/linux-x86_64"
rm -rf "$libs" && mkdir -p "$libs"
# libllama-common.so (llama.cpp's C++ helpers) is not part of the C API Chorus binds.
tar -xzf "$cpu_tgz" -C "$libs" --strip-components=3 --wildcards 'package/bins/linux-x64/*.so' --exclude '*/libllama-common.so'
release="$(tar -xzOf "$cpu_tgz" package/bins/linux-x64/_nlcBuildMetadata.json | sed -n 's/.*"release":"\([^"]*\)".*/\1/p')"
if [[ "$release" != "v$llama_version" ]]; then
  echo "fetch-llama: expected llama.cpp v$llama_version in $cpu_tgz, found '$release'" >&2
  exit 1
fi
# index.txt lists the files; sha256sums.txt pins their contents (LlamaLibraries verifies every file it
# extracts and names its cache folder after this list, so a changed library never reuses a stale cache).
(cd "$libs" && ls -1 *.so | LC_ALL=C sort > index.txt && sha256sum $(cat index.txt) > sha256sums.txt)
echo "$llama_version" > "$libs/llama-version.txt"

# Source bundle, and the vocabulary files the test fixtures copy into generated models.
if [[ ! -s "$out/llama-source.bundle" ]]; then
  tar -xzOf "$src_tgz" package/llama/gitRelease.bundle > "$out/llama-source.bundle.tmp"
  mv "$out/llama-source.bundle.tmp" "$out/llama-source.bundle"
fi
vocabularies=(ggml-vocab-llama-spm.gguf ggml-vocab-llama-bpe.gguf)
missing=()
for name in "${vocabularies[@]}"; do
  [[ -s "$out/vocab/$name" ]] || missing+=("$name")
done
if (( ${#missing[@]} > 0 )); then
  repo="$(mktemp -d)"
  git init -q --bare "$repo"
  git -C "$repo" fetch -q "$out/llama-source.bundle" 'HEAD:refs/heads/release'
  mkdir -p "$out/vocab"
  for name in "${missing[@]}"; do
    git -C "$repo" show "release:models/$name" > "$out/vocab/$name.tmp"
    mv "$out/vocab/$name.tmp" "$out/vocab/$name"
  done
  rm -rf "$repo"
fi
echo "fetch-llama: llama.cpp v$llama_version ready in $out" >&2
