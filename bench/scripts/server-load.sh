#!/usr/bin/env bash
# Server load test, loopback only: builds bench/target/benchmarks.jar (unless SKIP_BUILD=1), then runs
# dev.chorus.bench.server.ServerLoadTest: an engine on two fixture models and a Chorus server in one JVM, 64 streaming
# clients for 60 s (at most 20000 requests), a slot-leak check, and engine-only against HTTP rounds for the overhead
# per streamed token. Writes bench/results/server-<device>-<date>.json; exits non-zero when a request failed (other
# than an overload answer) or a slot leaked. Extra arguments go to ServerLoadTest, e.g.
#   bench/scripts/server-load.sh --clients 16 --seconds 20 --overhead-rounds 1
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  ./mvnw -q -o -pl bench -am install -DskipTests
fi
java_home="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
# The run takes minutes: a private copy of the jar keeps another build of bench/ from pulling it away mid-run.
jar="$(mktemp --suffix=.jar)"
trap 'rm -f "$jar"' EXIT
cp bench/target/benchmarks.jar "$jar"
echo "load average at start: $(uptime)"
status=0
"$java_home/bin/java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector \
  -Dchorus.kernels.backend="${CHORUS_KERNELS_BACKEND:-java}" \
  -cp "$jar" dev.chorus.bench.server.ServerLoadTest --out bench/results "$@" || status=$?
echo "load average at end: $(uptime)"
exit "$status"
