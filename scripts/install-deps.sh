#!/usr/bin/env bash
# Installs the system packages Chorus's build and tests need, when missing and when we are root:
# npm and git (to fetch llama.cpp from the npm registry), cmake, ninja and g++ (to build llama.cpp for
# this CPU with its RPC backend, native/scripts/build-llama-native.sh), and an OpenCL runtime for the
# CPU (PoCL) so the OpenCL kernels run everywhere, and Chromium with its WebDriver (chromedriver) for the test that
# drives the web playground in a headless browser. Without root it only reports what is missing.
set -euo pipefail

missing=()
command -v npm >/dev/null || missing+=(npm)
command -v git >/dev/null || missing+=(git)
command -v cmake >/dev/null || missing+=(cmake)
command -v ninja >/dev/null || missing+=(ninja-build)
command -v g++ >/dev/null || missing+=(g++)
dpkg -s pocl-opencl-icd >/dev/null 2>&1 || missing+=(pocl-opencl-icd)
dpkg -s ocl-icd-libopencl1 >/dev/null 2>&1 || missing+=(ocl-icd-libopencl1)
# Provides the unversioned libOpenCL.so that JOCL loads.
dpkg -s ocl-icd-opencl-dev >/dev/null 2>&1 || missing+=(ocl-icd-opencl-dev)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)

if (( ${#missing[@]} == 0 )); then exit 0; fi
if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
  echo "install-deps: please install: ${missing[*]} (OpenCL tests are skipped without PoCL, the playground's browser test without Chromium)" >&2
  exit 0
fi
echo "install-deps: apt-get install ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
