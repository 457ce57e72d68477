#!/usr/bin/env bash
# Single-stream decode speed, A/B interleaved in one run: this tree and the build at BEFORE (a git revision, default
# the commit before the CPU-budget fix; built once into ~/.cache/chorus/bench-builds like serving-bench.sh), each
# through the engine (dev.chorus.bench.engine.DecodeSpeed run as one source file against that build's jars) and
# through `chorus serve` (streamed /v1/completions), for the demo model `kjv` and the ensemble `experts`, under the
# default CPU budget (scheduler.threads unset) and fixed at 1 thread; llama-bench on the same model at 1 and 2 threads
# in every round as the like-for-like reference. Writes bench/results/decode-<cpu>-<date>.json with the load average
# of every round. Environment: ROUNDS (default 3), TOKENS (new tokens per request, default 128), REQUESTS (per name
# and round, default 3), LLAMA_BIN (folder holding llama-bench; default: the native build's in ~/.cache/chorus).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
before="$(git rev-parse --short "${BEFORE:-19a78ea}")"
tree="${XDG_CACHE_HOME:-$HOME/.cache}/chorus/bench-builds/chorus-$before"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  ./mvnw -q -o -pl server -am package -DskipTests
fi
if [[ ! -x "$tree/server/target/chorus/bin/chorus" ]]; then
  echo "decode-bench: building $before into $tree" >&2
  rm -rf "$tree"
  mkdir -p "$(dirname "$tree")"
  git worktree add --detach -f "$tree" "$before" >/dev/null
  (cd "$tree" && ./mvnw -q -o -pl server -am package -DskipTests)
fi
llama_bin="${LLAMA_BIN:-}"
if [[ -z "$llama_bin" ]]; then
  for candidate in "$HOME"/.cache/chorus/llama-*/native-*/bin; do
    [[ -x "$candidate/llama-bench" ]] && llama_bin="$candidate" && break
  done
fi

exec python3 - "$root" "$tree" "$before" "$llama_bin" <<'PY'
import datetime, json, os, pathlib, re, socket, statistics, subprocess, sys, tempfile, time, urllib.request

root, before_tree, before_rev, llama_bin = sys.argv[1:5]
rounds = int(os.environ.get("ROUNDS", "3"))
tokens = int(os.environ.get("TOKENS", "128"))
requests = int(os.environ.get("REQUESTS", "3"))
java = os.path.join(os.environ["JAVA_HOME"], "bin", "java")
source = os.path.join(root, "bench/src/main/java/dev/chorus/bench/engine/DecodeSpeed.java")
builds = {"new": os.path.join(root, "server/target/chorus"), "before": os.path.join(before_tree, "server/target/chorus")}
models = os.path.join(root, "models")
names = "kjv,experts"

def config(threads):
    text = f"""models:
  kjv:    {{ path: {models}/chorus-kjv-13m-q8_0.gguf,    context: 512, slots: 4 }}
  pydocs: {{ path: {models}/chorus-pydocs-13m-q8_0.gguf, context: 512, slots: 4 }}
collaborations:
  experts:
    kind: ensemble
    method: linear
    members:
      - {{ model: kjv,    weight: 0.5 }}
      - {{ model: pydocs, weight: 0.5 }}
"""
    if threads:
        text += f"scheduler:\n  threads: {threads}\n"
    handle = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
    handle.write(text)
    handle.close()
    return handle.name

configs = {"default": config(None), "threads_1": config(1)}

def parse(output):
    found = {}
    for line in output.splitlines():
        match = re.fullmatch(r"(\S+) ([0-9.]+)", line.strip())
        if match:
            found.setdefault(match[1], []).append(float(match[2]))
    return found

def engine(build, cfg):
    classpath = os.path.join(builds[build], "lib", "*")
    run = subprocess.run([java, "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
                          "-XX:+UseSerialGC", "-XX:CompileCommand=quiet",  # the JIT settings of bin/chorus
                          "-XX:CompileCommand=CompileThresholdScaling,dev.chorus.kernels.fusion.cpu.*::*,0.05",
                          "-cp", classpath, source, "engine", cfg, names, str(tokens), str(requests)],
                         capture_output=True, text=True, timeout=900)
    if run.returncode != 0:
        raise SystemExit(f"engine run of {build} failed:\n{run.stderr[-3000:]}")
    return parse(run.stdout)

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def http(build, cfg):
    port = free_port()
    server = subprocess.Popen([os.path.join(builds[build], "bin", "chorus"), "serve", "-c", cfg, "--port", str(port),
                               "--no-probe"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if urllib.request.urlopen(base + "/health", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        classpath = os.path.join(builds["new"], "lib", "*")
        run = subprocess.run([java, "-cp", classpath, source, "http", base, names, str(tokens), str(requests)],
                             capture_output=True, text=True, timeout=900)
        if run.returncode != 0:
            raise SystemExit(f"http run of {build} failed:\n{run.stderr[-3000:]}")
        return parse(run.stdout)
    finally:
        server.terminate()
        server.wait(30)

def llama_bench(threads):
    if not llama_bin:
        return None
    run = subprocess.run([os.path.join(llama_bin, "llama-bench"), "-m", os.path.join(models, "chorus-kjv-13m-q8_0.gguf"),
                          "-t", str(threads), "-p", "0", "-n", str(tokens), "-r", "2", "-o", "json"],
                         capture_output=True, text=True, timeout=600)
    return json.loads(run.stdout)[0]["avg_ts"] if run.returncode == 0 else None

def loadavg():
    return pathlib.Path("/proc/loadavg").read_text().strip()

samples = {}
def add(key, value):
    if value is not None:
        samples.setdefault(key, []).extend(value if isinstance(value, list) else [value])

round_loads = []
def measure_round(r):
    round_loads.append({"start": loadavg()})
    for threads in (1, 2):
        add(f"llama_bench_t{threads}", llama_bench(threads))
    order = ["before", "new"] if r % 2 == 0 else ["new", "before"]
    for cfg_name, cfg in configs.items():
        for build in order:
            for name, values in engine(build, cfg).items():
                add(f"engine/{cfg_name}/{name}/{build}", values)
    for build in order:
        for name, values in http(build, configs["default"]).items():
            add(f"http/default/{name}/{build}", values)
    round_loads[-1]["end"] = loadavg()
    print(f"round {r + 1}/{rounds}: {round_loads[-1]}", file=sys.stderr)

try:
    for r in range(rounds):
        measure_round(r)
finally:
    for cfg in configs.values():
        os.unlink(cfg)

medians = {key: round(statistics.median(values), 1) for key, values in samples.items()}
ratios = {}
for key in medians:
    if key.endswith("/new") and key[:-4] + "/before" in medians:
        ratios[key[:-4] + " new/before"] = round(medians[key] / medians[key[:-4] + "/before"], 2)
cpu = next(line.split(":", 1)[1].strip() for line in subprocess.run(["lscpu"], capture_output=True, text=True)
           .stdout.splitlines() if line.startswith("Model name"))
now = datetime.datetime.now(datetime.timezone.utc)
result = {
    "machine": {"cpu": cpu, "cpus": os.cpu_count(), "os": os.uname().release},
    "date": now.isoformat(),
    "settings": {"before": before_rev, "rounds": rounds, "new_tokens": tokens, "requests_per_round": requests,
                 "measure": "tokens/s from the first streamed token to the last, one stream, default sampling, cache_prompt false",
                 "budgets": {"default": "scheduler.threads unset (CPUs less the cores others keep busy)",
                             "threads_1": "scheduler.threads: 1"}},
    "load_average": round_loads,
    "samples": samples,
    "medians": medians,
    "ratios": ratios,
}
slug = re.sub(r"[^a-z0-9]+", "-", " ".join(cpu.lower().split()[:2])).strip("-")
out = pathlib.Path(root, "bench/results", f"decode-{slug}-{now.date()}.json")
tmp = out.with_suffix(".tmp")
tmp.write_text(json.dumps(result, indent=2) + "\n")
tmp.replace(out)
print(json.dumps(medians, indent=2))
print(json.dumps(ratios, indent=2))
print(f"wrote {out}", file=sys.stderr)
PY
