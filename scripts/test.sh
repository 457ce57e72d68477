#!/usr/bin/env bash
# Runs every test: installs what the build needs, builds llama.cpp for this CPU with RPC (once per
# machine: cached in ~/.cache/chorus, so the RPC tests run and every test uses the native build),
# builds all modules and runs their test suites. GPU tests skip with a reason when no GPU is present;
# OpenCL tests run on PoCL.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh
bash native/scripts/build-llama-native.sh >/dev/null
exec ./mvnw verify "$@"
