#!/usr/bin/env bash
# Runs every test: installs what the build needs, builds all modules and runs their test suites.
# GPU tests skip with a reason when no GPU is present; OpenCL tests run on PoCL.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh
exec ./mvnw verify "$@"
