#!/usr/bin/env bash
# The llama.cpp build benchmark, side by side on this machine: for each model, ROUNDS rounds of, interleaved,
#   - Chorus on the native build (build-llama-native.sh --tools) and Chorus on the npm prebuilt
#     (dev.chorus.bench.engine.BuildBench: decode with 1 and 2 threads, prefill, 8 streams);
#   - llama-bench of the native build (decode -t 1 and 2, prefill) and its llama-server (8 concurrent
#     /completion requests), the same work;
#   - decode through one loopback rpc-server against local (bindings, 1 thread) and the bytes per token.
# Writes bench/results/native-build-<cpu>-<date>.json: every run, the medians and the ratios, with the machine and
# the load average. Builds bench/target/benchmarks.jar unless SKIP_BUILD=1.
#
# With --openmp also Chorus on a GGML_OPENMP=ON build of the same source (built first), for the OpenMP question.
#
# usage: bench/scripts/native-bench.sh [--rounds 3] [--prompt-tokens 256] [--new-tokens 128] [--shape llama-1b]
#                                      [--openmp] [MODEL.gguf ...]    (default model: models/chorus-kjv-13m-q8_0.gguf)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
rounds=3; prompt=256; new=128; models=(); shapes=(); openmp=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --prompt-tokens) prompt="$2"; shift 2 ;;
    --new-tokens) new="$2"; shift 2 ;;
    --shape) shapes+=("$2"); shift 2 ;;
    --openmp) openmp=true; shift ;;
    *) models+=("$(realpath "$1")"); shift ;;
  esac
done
native="$(bash native/scripts/build-llama-native.sh --tools)"
openmp_build=""
if [[ "$openmp" == true ]]; then
  # Into a cache of its own, so that Chorus never finds it in place of the default build; the source is shared.
  cache="${CHORUS_CACHE:-$HOME/.cache/chorus}"; openmp_cache="$root/bench/target/openmp-cache"
  mkdir -p "$openmp_cache/llama-0.5.0/source"
  cp -n "$cache/llama-0.5.0/source/llama-source.bundle" "$openmp_cache/llama-0.5.0/source/"
  openmp_build="$(bash native/scripts/build-llama-native.sh --openmp --cache "$openmp_cache")"
fi
[[ -x "$native/bin/llama-bench" ]] || { echo "native-bench: $native has no llama-bench" >&2; exit 1; }
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  ./mvnw -q -o -pl bench -am package -DskipTests
fi
java_home="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
work="$(mktemp -d)"
cp bench/target/benchmarks.jar "$work/benchmarks.jar"
for shape in "${shapes[@]}"; do
  models+=("$("$java_home/bin/java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector \
    -cp "$work/benchmarks.jar" dev.chorus.bench.engine.BuildBench --print-shape-path "$shape" 2>/dev/null | tail -n 1)")
done
(( ${#models[@]} > 0 )) || models=("$root/models/chorus-kjv-13m-q8_0.gguf")
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

chorus() {  # BUILD MODEL OUT [extra BuildBench arguments]; BUILD: native, npm or openmp
  local build="$1" model="$2" out="$3"; shift 3
  CHORUS_LLAMA_NATIVE="$([[ "$build" == npm ]] && echo off || echo on)" \
  CHORUS_LLAMA_DIR="$([[ "$build" == openmp ]] && echo "$openmp_build/lib" || echo "")" "$java_home/bin/java" \
    --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -cp "$work/benchmarks.jar" \
    dev.chorus.bench.engine.BuildBench --model "$model" --out "$out" --prompt-tokens "$prompt" --new-tokens "$new" "$@" \
    > "$out.log" 2>&1 || { tail -n 20 "$out.log" >&2; return 1; }
}

llama_server_serve8() {  # MODEL OUT: tokens/s of 8 concurrent /completion requests of new/2 tokens each
  local model="$1" out="$2" port; port="$(free_port)"
  "$native/bin/llama-server" -m "$model" -t 2 -np 8 -c $(( 8 * (new + 64) )) --host 127.0.0.1 --port "$port" \
    > "$out.log" 2>&1 & local pid=$!; pids+=("$pid")
  for _ in $(seq 300); do curl -sf "127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
  curl -sf "127.0.0.1:$port/completion" -d '{"prompt":"In the beginning","n_predict":8}' >/dev/null
  local best=""
  for _ in 1 2 3; do
    local start end; start=$(date +%s.%N)
    for s in $(seq 8); do
      curl -sf "127.0.0.1:$port/completion" -d "{\"prompt\":\"In the beginning $s\",\"n_predict\":$(( new / 2 )),\"ignore_eos\":true,\"cache_prompt\":false}" \
        > "$out.$s.json" &
    done
    wait $(jobs -p | grep -v "^$pid$") 2>/dev/null || true
    end=$(date +%s.%N)
    local tokens; tokens=$(python3 -c "import json,sys; print(sum(json.load(open(f))['tokens_predicted'] for f in sys.argv[1:]))" "$out".?.json)
    best="$best $(python3 -c "print($tokens/($end-$start))")"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  python3 -c "import statistics,sys; print(statistics.median(map(float,sys.argv[1:])))" $best > "$out"
}

echo "native-bench: load average at start: $(uptime)" >&2
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
for model in "${models[@]}"; do
  tag="$(basename "$model" .gguf)"
  for round in $(seq "$rounds"); do
    port="$(free_port)"
    "$native/bin/rpc-server" -H 127.0.0.1 -p "$port" -t 1 > "$work/rpc.log" 2>&1 & rpc=$!; pids+=("$rpc")
    wait_port "$port"
    echo "native-bench: $tag round $round: chorus native" >&2
    chorus native "$model" "$work/$tag-native-$round.json" --rpc "127.0.0.1:$port"
    kill "$rpc"; wait "$rpc" 2>/dev/null || true
    echo "native-bench: $tag round $round: chorus npm" >&2
    chorus npm "$model" "$work/$tag-npm-$round.json"
    if [[ -n "$openmp_build" ]]; then
      echo "native-bench: $tag round $round: chorus on the OpenMP build" >&2
      chorus openmp "$model" "$work/$tag-openmp-$round.json"
    fi
    echo "native-bench: $tag round $round: llama-bench" >&2
    "$native/bin/llama-bench" -m "$model" -t 1,2 -p "$prompt" -n "$new" -r 3 -o json > "$work/$tag-llama-bench-$round.json" 2>/dev/null
    echo "native-bench: $tag round $round: llama-server" >&2
    llama_server_serve8 "$model" "$work/$tag-llama-server-$round.txt"
  done
done
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "native-bench: load average at end: $(uptime)" >&2

cpu="$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)"
slug="$(echo "$cpu" | tr 'A-Z' 'a-z' | sed 's/[^a-z0-9]\+/-/g; s/^-//; s/-$//')"
out="bench/results/native-build-$slug-$(date -u +%F).json"
python3 - "$work" "$out" "$rounds" "$cpu" "$load_start" "$load_end" "$native" "${models[@]}" <<'EOF'
import json, os, statistics, sys, datetime
work, out, rounds, cpu, load_start, load_end, native = sys.argv[1:8]
models = sys.argv[8:]
rounds = int(rounds)
med = lambda xs: round(statistics.median(xs), 2)
rows = []
for model in models:
    tag = os.path.basename(model)[:-5]
    runs = {b: [json.load(open(f"{work}/{tag}-{b}-{r}.json")) for r in range(1, rounds + 1)] for b in ("native", "npm")}
    bench = [json.load(open(f"{work}/{tag}-llama-bench-{r}.json")) for r in range(1, rounds + 1)]
    server = [float(open(f"{work}/{tag}-llama-server-{r}.txt").read()) for r in range(1, rounds + 1)]
    def lb(threads, prefill):
        return [next(x["avg_ts"] for x in b if x["n_threads"] == threads and (x["n_prompt"] > 0) == prefill) for b in bench]
    metrics = {}
    for key in ("decode_tps_t1", "decode_tps_t2", "prefill_tps_t1", "prefill_tps_t2", "serve8_aggregate_tps"):
        native_v = [r[key] for r in runs["native"]]; npm_v = [r[key] for r in runs["npm"]]
        metrics[key] = {"chorus_native": med(native_v), "chorus_npm": med(npm_v),
                        "native_over_npm": round(statistics.median(a / b for a, b in zip(native_v, npm_v)), 3),
                        "runs_native": native_v, "runs_npm": npm_v}
    for key, threads, prefill in (("decode_tps_t1", 1, False), ("decode_tps_t2", 2, False),
                                  ("prefill_tps_t1", 1, True), ("prefill_tps_t2", 2, True)):
        ref = lb(threads, prefill)
        metrics[key]["llama_bench"] = med(ref)
        metrics[key]["chorus_over_llama_bench"] = round(metrics[key]["chorus_native"] / statistics.median(ref), 3)
    if os.path.exists(f"{work}/{tag}-openmp-1.json"):
        openmp = [json.load(open(f"{work}/{tag}-openmp-{r}.json")) for r in range(1, rounds + 1)]
        for key in ("decode_tps_t1", "decode_tps_t2", "prefill_tps_t1", "prefill_tps_t2", "serve8_aggregate_tps"):
            values = [r[key] for r in openmp]
            metrics[key]["chorus_openmp"] = med(values)
            metrics[key]["openmp_over_native"] = round(statistics.median(
                a / b for a, b in zip(values, metrics[key]["runs_native"])), 3)
    metrics["serve8_aggregate_tps"]["llama_server"] = med(server)
    metrics["serve8_aggregate_tps"]["chorus_over_llama_server"] = round(
        metrics["serve8_aggregate_tps"]["chorus_native"] / statistics.median(server), 3)
    local = [r["bindings_decode_tps_local"] for r in runs["native"]]
    rpc = [r["bindings_decode_tps_rpc"] for r in runs["native"]]
    metrics["rpc_loopback_decode_t1"] = {"local_tps": med(local), "rpc_tps": med(rpc),
        "rpc_over_local": round(statistics.median(b / a for a, b in zip(local, rpc)), 3),
        "bytes_per_token": med([r["rpc_bytes_per_token"] for r in runs["native"]])}
    rows.append({"model": os.path.relpath(model), "metrics": metrics})
result = {"machine": {"cpu": cpu, "cores": os.cpu_count(), "load_average_start": load_start, "load_average_end": load_end},
          "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
          "settings": {"rounds": rounds, "native_build": native,
                       "native_flags": open(f"{native}/machine.txt").read().splitlines(),
                       "note": "medians of interleaved rounds; ratios are medians of per-round ratios"},
          "results": rows}
tmp = out + ".tmp"
json.dump(result, open(tmp, "w"), indent=2)
os.replace(tmp, out)
print(out)
EOF
