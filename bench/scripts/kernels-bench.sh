#!/usr/bin/env bash
# Kernel benchmarks: builds bench/target/benchmarks.jar (unless SKIP_BUILD=1), runs FusionBenchmark for every
# fusion backend that runs on this machine (the others are reported and skipped) and writes
# bench/results/kernels-<device>-<date>.json. Extra arguments go to dev.chorus.bench.KernelsBench, e.g.
#   bench/scripts/kernels-bench.sh --param backend=java --param v=32000,128256 --warmup 2 --iterations 3 --time 500
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  ./mvnw -q -pl bench -am install -DskipTests
fi
java_home="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
exec "$java_home/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -cp bench/target/benchmarks.jar dev.chorus.bench.KernelsBench --out bench/results "$@"
