#!/usr/bin/env bash
# Constrained ÷ unconstrained decode speed (issue 13's bench): builds bench/target/benchmarks.jar (unless SKIP_BUILD=1)
# and runs dev.chorus.bench.engine.ConstrainedDecodeBench on models/chorus-kjv-13m-q8_0.gguf (V = 32000) and a
# random-weight fixture with Llama 3's 128256-token vocabulary, A/B interleaved; writes
# bench/results/constrained-<cpu>-<date>.json. Arguments go to the bench: [--rounds 3] [--tokens 96] [--models kjv,bpe].
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  ./mvnw -q -o -pl bench -am package -DskipTests -Dchorus.aot.skip=true
fi
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -XX:+UseSerialGC \
  -cp bench/target/benchmarks.jar dev.chorus.bench.engine.ConstrainedDecodeBench "$@"
