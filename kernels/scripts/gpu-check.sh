#!/usr/bin/env bash
# Runs the kernels' golden and backend tests on a GPU machine that has only a JRE (no Maven), on every
# backend that loads there (CUDA, NVIDIA's OpenCL, Java), and prints which backends ran, on what, and the totals.
#
#   kernels/scripts/gpu-check.sh bundle [DIR]   here, with Maven: builds the module and writes DIR
#                                              (default kernels/target/gpu-check): classes, test classes,
#                                              the test class path's jars and the JUnit console launcher
#   kernels/scripts/gpu-check.sh run [DIR]      on the GPU machine, from the repository root (the CUDA
#                                              tests read kernels/src/main/cuda): runs the tests from DIR
#
# JAVA (default /opt/jre25s/bin/java, else java on PATH) picks the runtime. NVIDIA's OpenCL driver is
# registered with the ICD loader through a private OCL_ICD_VENDORS folder when libnvidia-opencl.so.1 is
# present and OCL_ICD_VENDORS is unset (see /work/shared/gpu/README.md).
set -euo pipefail

mode="${1:-}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
bundle="${2:-$root/kernels/target/gpu-check}"
junit_version=6.1.3
tests=(dev.chorus.kernels.fusion.GoldenFusionTest dev.chorus.kernels.fusion.opencl.OpenClLogitFusionTest
       dev.chorus.kernels.fusion.cuda.CudaLogitFusionFactoryTest dev.chorus.kernels.fusion.gpu.DeviceLayoutTest)

make_bundle() {
  cd "$root"
  rm -rf "$bundle" && mkdir -p "$bundle/lib"
  ./mvnw -q -o -pl kernels -am install -DskipTests
  ./mvnw -q -o -pl kernels test-compile
  ./mvnw -q -o -pl kernels dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$bundle/lib"
  ./mvnw -q -pl kernels dependency:copy \
    -Dartifact="org.junit.platform:junit-platform-console-standalone:$junit_version" -DoutputDirectory="$bundle"
  cp -r kernels/target/classes "$bundle/classes"
  cp -r kernels/target/test-classes "$bundle/test-classes"
  for class in classes/dev/chorus/kernels/fusion/LogitFusionFactory test-classes/dev/chorus/kernels/fusion/GoldenFusionTest; do
    [[ -f "$bundle/$class.class" ]] || { echo "gpu-check: $class missing from the build; rerun bundle" >&2; exit 1; }
  done
  ls "$bundle/classes/dev/chorus/kernels/cuda/"*.ptx >/dev/null 2>&1 \
    || echo "gpu-check: warning: no PTX in this build (nvcc missing): CUDA will report itself unavailable" >&2
  echo "gpu-check: bundle in $bundle ($(du -sh "$bundle" | cut -f1))"
}

register_nvidia_opencl() {
  if [[ -z "${OCL_ICD_VENDORS:-}" ]] && ldconfig -p 2>/dev/null | grep -q libnvidia-opencl.so.1; then
    export OCL_ICD_VENDORS="$(mktemp -d)"
    echo libnvidia-opencl.so.1 > "$OCL_ICD_VENDORS/nvidia.icd"
    echo "gpu-check: NVIDIA OpenCL registered through OCL_ICD_VENDORS=$OCL_ICD_VENDORS"
  fi
}

run_tests() {
  local java="${JAVA:-}"
  [[ -z "$java" && -x /opt/jre25s/bin/java ]] && java=/opt/jre25s/bin/java
  java="${java:-java}"
  [[ -d "$bundle/classes" ]] || { echo "gpu-check: no bundle at $bundle; run '$0 bundle' first" >&2; exit 2; }
  register_nvidia_opencl
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
  local classpath="$bundle/test-classes:$bundle/classes:$(find "$bundle/lib" -name '*.jar' | sort | paste -sd:)"
  local selectors=()
  for test in "${tests[@]}"; do selectors+=(--select-class "$test"); done
  local log
  log="$(mktemp)"
  cd "$root/kernels"
  set +e
  "$java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -Xss4m \
    -jar "$bundle/junit-platform-console-standalone-$junit_version.jar" execute \
    --class-path "$classpath" "${selectors[@]}" --details=tree --disable-banner --disable-ansi-colors 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  set -e
  echo
  echo "== gpu-check summary ($(hostname), $("$java" -version 2>&1 | head -1))"
  grep -E "(CUDA backend|CUDA device|OpenCL device)" "$log" | sed -E "s/^[^A-Za-z]*//" || true
  grep -E "no OpenCL" "$log" | head -1 || true
  grep -E "✘" "$log" | head -20 || true
  grep -E "tests (successful|failed|skipped|aborted)" "$log" || true
  rm -f "$log"
  exit "$status"
}

case "$mode" in
  bundle) make_bundle ;;
  run) run_tests ;;
  *) sed -n '2,13p' "$0" >&2; exit 2 ;;
esac
