#!/usr/bin/env bash
# What the `"chorus": {"trace": k}` extension costs: `bin/chorus serve -c examples/chorus.yaml` on loopback, the
# `experts` ensemble (two Q8_0 13M members, linear pool), whole /v1/completions answers of 128 tokens with trace off,
# 5 and 20 in interleaved rounds; per request the wall-clock rate and the server process's CPU time per token
# (/proc/PID/stat), which a loaded machine disturbs far less than wall time. Writes
# bench/results/trace-overhead-<cpu>-<date>.json. Needs python3 and a built distribution (./mvnw -pl server -am
# package -DskipTests). Usage: bench/scripts/trace-overhead.sh [ROUNDS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
rounds="${1:-15}"
port=18915
chorus=server/target/chorus/bin/chorus
[[ -x $chorus ]] || { echo "trace-overhead: build the distribution first" >&2; exit 1; }
log="$(mktemp)"
"$chorus" serve -c examples/chorus.yaml --port "$port" >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 120); do grep -q 'listening on' "$log" && break; sleep 0.5; done
grep -q 'listening on' "$log" || { cat "$log" >&2; exit 1; }

python3 - "$server" "$port" "$rounds" <<'PY'
import json, os, platform, statistics, subprocess, sys, time, urllib.request
from datetime import datetime, timezone
pid, port, rounds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
tick = os.sysconf('SC_CLK_TCK')
def cpu_seconds():
    fields = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick
def request(trace):
    body = {"model": "experts", "prompt": "In the beginning", "max_tokens": 128, "temperature": 0.8, "seed": 5}
    if trace:
        body["chorus"] = {"trace": trace}
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/completions", json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    cpu, start = cpu_seconds(), time.perf_counter()
    answer = json.load(urllib.request.urlopen(req))
    wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    tokens = answer["usage"]["completion_tokens"]
    return {"tokens": tokens, "tokens_per_second": tokens / wall, "cpu_ms_per_token": 1000 * cpu / tokens}
traces = (0, 5, 20)
for _ in range(3):
    for k in traces:
        request(k)
samples = {k: [] for k in traces}
for _ in range(rounds):
    for k in traces:
        samples[k].append(request(k))
medians = {k: {"tokens_per_second": statistics.median(s["tokens_per_second"] for s in v),
               "cpu_ms_per_token": statistics.median(s["cpu_ms_per_token"] for s in v)} for k, v in samples.items()}
cpu = next((line.split(':', 1)[1].strip() for line in subprocess.run(['lscpu'], capture_output=True, text=True)
            .stdout.splitlines() if line.startswith('Model name')), platform.processor())
result = {
    "machine": {"cpu": cpu, "cpus": os.cpu_count(), "os": platform.platform()},
    "date": datetime.now(timezone.utc).isoformat(),
    "what": "bin/chorus serve -c examples/chorus.yaml, experts (2 x Q8_0 13M, linear pool, Java fusion), whole "
            "/v1/completions of 128 tokens, trace off / 5 / 20, interleaved rounds, medians",
    "rounds": rounds,
    "load_average_at_end": open('/proc/loadavg').read().strip(),
    "medians": {f"trace_{k}": v for k, v in medians.items()},
    "ratios_vs_off": {f"trace_{k}": {
        "tokens_per_second": medians[k]["tokens_per_second"] / medians[0]["tokens_per_second"],
        "cpu_ms_per_token": medians[k]["cpu_ms_per_token"] / medians[0]["cpu_ms_per_token"]} for k in traces[1:]},
}
slug = '-'.join(cpu.lower().replace('(r)', '').replace('(tm)', '').split()[:3])
out = f"bench/results/trace-overhead-{slug}-{datetime.now(timezone.utc).date()}.json"
with open(out + ".partial", "w") as f:
    json.dump(result, f, indent=2)
    f.write("\n")
os.replace(out + ".partial", out)
print(json.dumps(result["medians"]), json.dumps(result["ratios_vs_off"]), result["load_average_at_end"])
print("wrote", out)
PY
