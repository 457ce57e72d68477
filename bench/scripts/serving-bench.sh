#!/usr/bin/env bash
# Serving benchmark of whole server processes on loopback (dev.chorus.bench.serving.ServingBench): this tree's
# `bin/chorus serve -c examples/chorus.yaml`, the same built at BEFORE (a git revision; default: the commit before the
# shared runtime; BEFORE= to skip), and llama-server built from the same llama.cpp source serving the demo model
# (LLAMA_BIN=folder holding llama-server; default: the native build's folder named in ~/.cache/chorus, skipped when
# absent), in interleaved rounds. Writes bench/results/serving-<cpu>-<date>.json. Extra arguments go to ServingBench,
# e.g. --rounds 5 --seconds 15.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
before="${BEFORE-94da1f0}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/chorus/bench-builds"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  ./mvnw -q -o -pl server,bench -am package -DskipTests
fi
args=(--chorus "$root/server/target/chorus/bin/chorus" --config "$root/examples/chorus.yaml" --out bench/results)

if [[ -n "$before" ]]; then
  revision="$(git rev-parse --short "$before")"
  tree="$cache/chorus-$revision"
  if [[ ! -x "$tree/server/target/chorus/bin/chorus" ]]; then
    echo "serving-bench: building $revision into $tree" >&2
    rm -rf "$tree"
    mkdir -p "$cache"
    git worktree add --detach -f "$tree" "$revision" >/dev/null
    (cd "$tree" && ./mvnw -q -o -pl server -am package -DskipTests)
  fi
  args+=(--before "$tree/server/target/chorus/bin/chorus")
fi

llama_bin="${LLAMA_BIN:-}"
if [[ -z "$llama_bin" ]]; then
  llama_bin="$(ls -d "$HOME"/.cache/chorus/llama-*/native-*/bin 2>/dev/null | head -1 || true)"
fi
if [[ -n "$llama_bin" && -x "$llama_bin/llama-server" ]]; then
  args+=(--llama-server "$llama_bin/llama-server" --llama-model "$root/models/chorus-kjv-13m-q8_0.gguf")
else
  echo "serving-bench: no llama-server (set LLAMA_BIN); measuring Chorus only" >&2
fi

echo "load average at start: $(uptime)"
jar="$(mktemp --suffix=.jar)"
trap 'rm -f "$jar"' EXIT
cp bench/target/benchmarks.jar "$jar"
"$JAVA_HOME/bin/java" -cp "$jar" dev.chorus.bench.serving.ServingBench "${args[@]}" "$@"
echo "load average at end: $(uptime)"
