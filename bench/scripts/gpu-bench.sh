#!/usr/bin/env bash
# The GPU benchmarks in one go, on a machine with only a JRE and the llama.cpp CUDA build (../shared/gpu/README.md):
#   1. EngineBench on 2 x llama-1b F16, fully offloaded, with llama-bench of the same build beside it;
#   2. MergeBench (linear and TIES, every merge backend that runs) on 2 x llama-1b, then on 2 x llama-8b F16.
# The random-weight models are written once into $CHORUS_CACHE_DIR/bench-models (llama-1b ~2.5 GB, llama-8b
# ~16 GB each); the llama-1b pair is deleted before the llama-8b pair is written unless KEEP_MODELS=1, so the
# whole run needs about 50 GB of disk. Results go to $RESULTS (bench/results/{engine,merge}-<device>-<date>.json).
#
# usage: bench/scripts/gpu-bench.sh            (from anywhere; bench/target/benchmarks.jar must already be built)
# environment: JAVA (/opt/jre25s/bin/java), CHORUS_LLAMA_DIR (/opt/llama-v0.5.0-cuda-sm90),
#              CHORUS_CACHE_DIR (~/.cache/chorus), RESULTS (bench/results), KEEP_MODELS (0),
#              HEAP (16g, the parent's; MergeBench runs each merge in a child JVM with -Xmx1g, and its whole-tensor
#              comparison run with --unbounded-heap, 8g by default: pass --unbounded-heap 24g for llama-8b)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
java="${JAVA:-/opt/jre25s/bin/java}"
export CHORUS_LLAMA_DIR="${CHORUS_LLAMA_DIR:-/opt/llama-v0.5.0-cuda-sm90}"
cache="${CHORUS_CACHE_DIR:-$HOME/.cache/chorus}"
results="${RESULTS:-bench/results}"
jar=bench/target/benchmarks.jar

for required in "$java" "$jar" "$CHORUS_LLAMA_DIR/llama-bench"; do
  [[ -e "$required" ]] || { echo "gpu-bench: $required is missing (see the usage at the top of $0)" >&2; exit 1; }
done

# NVIDIA's OpenCL driver is installed but not registered with the ICD loader: register it for this run only, so
# the OpenCL merge backend runs on the GPU beside the CUDA one.
if [[ -z "${OCL_ICD_VENDORS:-}" ]]; then
  export OCL_ICD_VENDORS="$(mktemp -d)"
  echo libnvidia-opencl.so.1 > "$OCL_ICD_VENDORS/nvidia.icd"
fi

bench() {
  local main="$1"; shift
  echo "gpu-bench: $main $*" >&2
  "$java" -Xmx"${HEAP:-16g}" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -Dchorus.cache.dir="$cache" \
    -cp "$jar" "$main" --out "$results" "$@"
}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >&2 || true
bench dev.chorus.bench.engine.EngineBench --shape llama-1b --gpu-layers 99 --llama-bench "$CHORUS_LLAMA_DIR/llama-bench"
bench dev.chorus.bench.merge.MergeBench --shape llama-1b
if [[ "${KEEP_MODELS:-0}" != 1 ]]; then
  rm -f "$cache"/bench-models/llama-1b-*.gguf
fi
bench dev.chorus.bench.merge.MergeBench --shape llama-8b --unbounded-heap 24g
echo "gpu-bench: results in $results" >&2
