#!/usr/bin/env bash
# Build step of the distribution (server/pom.xml, phase package): makes lib/chorus.aot, the JDK's AOT cache
# (JEPs 483/514), with one training run of `chorus run` on the embedded demo models. It needs no network and
# no GPU (the demo models ship with the distribution; the fusion backend is the automatic choice, so a GPU
# machine trains the path it will run) and takes a few seconds of CPU. The previous cache is removed first:
# a cache made for other jars would be ignored by the JVM anyway.
# Usage: aot-train.sh DIST_DIR JAVA_HOME [skip]
set -euo pipefail
dist="$1"
export JAVA_HOME="$2"
cache="$dist/lib/chorus.aot"
rm -f "$cache" "$cache.config"
if [[ "${3:-}" == "true" ]]; then
  echo "aot-train: skipped (chorus.aot.skip); bin/chorus starts without an AOT cache"
  exit 0
fi
log="$dist/../aot-train.log"
start=$(date +%s%N)
if ! CHORUS_AOT_TRAINING="$cache" "$dist/bin/chorus" run -n 16 -t 0 --seed 1 "In the beginning" >"$log" 2>&1; then
  cat "$log" >&2
  echo "aot-train: the training run failed (log above)" >&2
  exit 1
fi
if [[ ! -s "$cache" ]]; then
  cat "$log" >&2
  echo "aot-train: the JVM wrote no AOT cache at $cache (log above)" >&2
  exit 1
fi
echo "aot-train: $cache ($(( $(stat -c %s "$cache") / 1048576 )) MiB) in $(( ($(date +%s%N) - start) / 1000000 )) ms"
