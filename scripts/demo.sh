#!/usr/bin/env bash
# The main job: builds Chorus (first run: fetches llama.cpp and Maven dependencies) and runs the demo —
# a single model and a fused ensemble of two small expert models served on loopback, queried through
# an OpenAI client, then stopped. Extra arguments go to `chorus demo`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh
./mvnw -q install -DskipTests
exec server/target/chorus/bin/chorus demo "$@"
