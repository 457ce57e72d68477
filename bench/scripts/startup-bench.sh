#!/usr/bin/env bash
# Start-up and memory of Chorus beside llama.cpp built from the same bundled source (issue 16, part 6):
#   1. launch to first token: `chorus run -n 1` on the embedded demo (the fused `experts` ensemble of two models,
#      and `-m kjv` alone) vs llama.cpp's CLI on the kjv demo model with the same prompt and one token;
#   2. resident memory after load: `chorus serve -c examples/chorus.yaml` (4 models, 7 collaborations) and
#      `chorus serve` of kjv alone, vs `llama-server` on the same model(s) with the same slots and context.
# Repetitions are interleaved (A, B, A, B, ...) so a busy machine slows both alike; the JSON has every sample,
# the medians, their ratios and the load average before and after. The first token is the first byte on
# standard output: both print the prompt unflushed and flush each generated token.
#
# usage: bench/scripts/startup-bench.sh --llama-bin DIR [--llama-lib DIR] [--chorus DIST] [--baseline DIST]
#                                       [--reps N] [--out DIR]
#   --llama-bin  folder with llama-server and llama-simple, llama-completion or llama-cli (first found is used)
#   --llama-lib  folder of their shared libraries (LD_LIBRARY_PATH), default: --llama-bin
#   --chorus     a Chorus distribution (bin/chorus, lib/), default: server/target/chorus
#   --baseline   another distribution measured beside it (e.g. one built before a change), optional
#   --reps       repetitions of every measurement (default 7); --out: bench/results
# environment: JAVA_HOME (Temurin 25) for bin/chorus; LLAMA_BIN / LLAMA_LIB instead of the options.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
exec python3 - "$root" "$@" <<'PY'
import argparse, datetime, json, os, platform, re, signal, socket, statistics, subprocess, sys, tempfile, time

root = sys.argv[1]
parser = argparse.ArgumentParser(prog="startup-bench.sh")
parser.add_argument("--llama-bin", default=os.environ.get("LLAMA_BIN"))
parser.add_argument("--llama-lib", default=os.environ.get("LLAMA_LIB"))
parser.add_argument("--chorus", default=os.path.join(root, "server/target/chorus"))
parser.add_argument("--baseline")
parser.add_argument("--reps", type=int, default=7)
parser.add_argument("--out", default=os.path.join(root, "bench/results"))
args = parser.parse_args(sys.argv[2:])
if not args.llama_bin:
    sys.exit("startup-bench: --llama-bin DIR (or LLAMA_BIN) is required: the folder with llama-server and a CLI")

PROMPT = "In the beginning"
MODELS = os.path.join(root, "models")
KJV = os.path.join(MODELS, "chorus-kjv-13m-q8_0.gguf")
CONFIG = os.path.join(root, "examples/chorus.yaml")
SLOTS, CONTEXT = 4, 512  # examples/chorus.yaml: per model, 4 slots of 512 tokens
llama_env = dict(os.environ, LD_LIBRARY_PATH=":".join(
    p for p in [args.llama_lib or args.llama_bin, os.environ.get("LD_LIBRARY_PATH", "")] if p))

def tool(name):
    path = os.path.join(args.llama_bin, name)
    return path if os.access(path, os.X_OK) else None

def llama_cli():
    """llama.cpp's one-shot generator: llama-simple, else llama-completion, else llama-cli, with one token."""
    if tool("llama-simple"):
        return "llama-simple", [tool("llama-simple"), "-m", KJV, "-n", "1", PROMPT]
    if tool("llama-completion"):
        return "llama-completion", [tool("llama-completion"), "-m", KJV, "-n", "1", "-no-cnv", "--no-display-prompt",
                                    "-p", PROMPT]
    if tool("llama-cli"):
        # The chat CLI prints a banner first; its statistics line follows the generated token.
        return "llama-cli", [tool("llama-cli"), "-m", KJV, "-n", "1", "-st", "--no-display-prompt", "-p", PROMPT]
    sys.exit(f"startup-bench: no llama-simple, llama-completion or llama-cli in {args.llama_bin}")

def first_token(command, env, marker=None):
    """Seconds from launch to the first byte on stdout (or to the end of `marker` there), and to the exit; the run
    must succeed."""
    with tempfile.TemporaryFile() as err:  # a file, not a pipe: a full stderr pipe would stall the process
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, env=env)
        first, seen = b"", b""
        while True:
            chunk = os.read(process.stdout.fileno(), 4096)
            seen += chunk
            if not chunk or marker is None or marker in seen:
                first = seen if marker is None or marker in seen else b""
                break
        at_first = time.perf_counter() - start
        process.communicate()
        total = time.perf_counter() - start
        if process.returncode != 0 or not first:
            err.seek(0)
            sys.exit(f"startup-bench: {' '.join(command)} failed ({process.returncode}):\n"
                     f"{err.read().decode(errors='replace')[-2000:]}")
    return at_first, total

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def healthy(port):
    """Whether llama-server on port answers /health with 200: it listens before its model is loaded."""
    def check(text):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                return s.recv(64).startswith(b"HTTP/1.1 200")
        except OSError:
            return False
    return check

def rss_after_load(command, ready, env, log_lines=None):
    """Resident and peak memory (MiB) of a server one second after `ready` (a log pattern, or a check of the log);
    the server is stopped."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 300
        text = ""
        while time.time() < deadline:
            if process.poll() is not None:
                log.seek(0)
                sys.exit(f"startup-bench: {' '.join(command)} exited ({process.returncode}):\n"
                         f"{log.read().decode(errors='replace')[-3000:]}")
            log.seek(0)
            text = log.read().decode(errors="replace")
            if ready(text) if callable(ready) else re.search(ready, text):
                break
            time.sleep(0.05)
        else:
            process.kill()
            sys.exit(f"startup-bench: {' '.join(command)} was not ready within 300 s")
        time.sleep(1.0)
        status = open(f"/proc/{process.pid}/status").read()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log_lines is not None:
            log_lines.append(text)
        field = lambda name: int(re.search(rf"^{name}:\s+(\d+) kB", status, re.M).group(1)) / 1024
        return {"rss_mib": round(field("VmRSS"), 1), "peak_mib": round(field("VmHWM"), 1),
                "anon_mib": round(field("RssAnon"), 1), "file_mib": round(field("RssFile"), 1)}

def chorus(dist, *words):
    return [os.path.join(dist, "bin/chorus"), *words]

def llama_server_rss(model):
    port = free_port()
    return rss_after_load([tool("llama-server"), "-m", model, "-c", str(SLOTS * CONTEXT), "-np", str(SLOTS),
                           "--host", "127.0.0.1", "--port", str(port)], healthy(port), llama_env)

def load_average():
    return [float(x) for x in open("/proc/loadavg").read().split()[:3]]

def machine():
    out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    found = re.search(r"^Model name:\s+(.+)$", out, re.M)
    return found.group(1).strip() if found else platform.processor() or "unknown"

name, cli_command = llama_cli()
cli_marker = b"[ Prompt:" if name == "llama-cli" else None
if not tool("llama-server"):
    sys.exit(f"startup-bench: no llama-server in {args.llama_bin}")
distributions = {"chorus": args.chorus} | ({"baseline": args.baseline} if args.baseline else {})
for dist in distributions.values():
    if not os.access(os.path.join(dist, "bin/chorus"), os.X_OK):
        sys.exit(f"startup-bench: {dist}/bin/chorus is missing (build: ./mvnw -pl server -am package -DskipTests)")

with tempfile.TemporaryDirectory() as scratch:
    kjv_only = os.path.join(scratch, "kjv.yaml")
    with open(kjv_only, "w") as f:
        f.write(f"models:\n  kjv: {{ path: {KJV}, context: {CONTEXT}, slots: {SLOTS} }}\n")
    # One unmeasured pass of each: page cache warm, llama.cpp libraries extracted, the TIES model merged once.
    logs = []
    for dist in distributions.values():
        first_token(chorus(dist, "run", "-n", "1", "-t", "0", PROMPT), os.environ)
        rss_after_load(chorus(dist, "serve", "-c", CONFIG, "--port", "0"), r"listening on", os.environ, logs)
    merged = re.findall(r"loading model \d+/\d+ '[^']+' from (\S+\.gguf)", logs[0])
    first_token(cli_command, llama_env, cli_marker)

    load_before = load_average()
    samples = {}
    def add(key, value):
        samples.setdefault(key, []).append(value)
    for rep in range(args.reps):
        for label, dist in distributions.items():
            add(f"{label}_run_experts", first_token(chorus(dist, "run", "-n", "1", "-t", "0", PROMPT), os.environ))
            add(f"{label}_run_kjv", first_token(chorus(dist, "run", "-m", "kjv", "-n", "1", "-t", "0", PROMPT), os.environ))
        add("llama_cli", first_token(cli_command, llama_env, cli_marker))
    for rep in range(args.reps):
        for label, dist in distributions.items():
            add(f"{label}_serve_chorus_yaml",
                rss_after_load(chorus(dist, "serve", "-c", CONFIG, "--port", "0"), r"listening on", os.environ))
            add(f"{label}_serve_kjv",
                rss_after_load(chorus(dist, "serve", "-c", kjv_only, "--port", "0"), r"listening on", os.environ))
        add("llama_server_kjv", llama_server_rss(KJV))
        add("llama_server_all", sum(llama_server_rss(model)["rss_mib"] for model in merged))
    load_after = load_average()

median = lambda values: round(statistics.median(values), 4)
result = {"benchmark": "startup", "machine": machine(), "cores": os.cpu_count(),
          "date": datetime.date.today().isoformat(), "load_average_before": load_before,
          "load_average_after": load_after, "reps": args.reps, "prompt": PROMPT, "llama_cli": name,
          "llama_bin": os.path.abspath(args.llama_bin), "distributions": distributions,
          "chorus_yaml_models": merged, "launch_to_first_token_s": {}, "launch_to_exit_s": {},
          "rss_after_load_mib": {}, "samples": samples}
for key, values in samples.items():
    if isinstance(values[0], tuple):
        result["launch_to_first_token_s"][key] = median([v[0] for v in values])
        result["launch_to_exit_s"][key] = median([v[1] for v in values])
    elif isinstance(values[0], dict):
        result["rss_after_load_mib"][key] = median([v["rss_mib"] for v in values])
    else:
        result["rss_after_load_mib"][key] = median(values)
ttft, rss = result["launch_to_first_token_s"], result["rss_after_load_mib"]
ratios = {}
for label in distributions:
    ratios[f"{label}_run_experts_over_llama_cli"] = round(ttft[f"{label}_run_experts"] / ttft["llama_cli"], 2)
    ratios[f"{label}_run_kjv_over_llama_cli"] = round(ttft[f"{label}_run_kjv"] / ttft["llama_cli"], 2)
    ratios[f"{label}_serve_chorus_yaml_over_llama_server_kjv"] = round(
        rss[f"{label}_serve_chorus_yaml"] / rss["llama_server_kjv"], 2)
    ratios[f"{label}_serve_chorus_yaml_over_llama_servers_of_its_models"] = round(
        rss[f"{label}_serve_chorus_yaml"] / rss["llama_server_all"], 2)
    ratios[f"{label}_serve_kjv_over_llama_server_kjv"] = round(rss[f"{label}_serve_kjv"] / rss["llama_server_kjv"], 2)
result["ratios"] = ratios
slug = re.sub(r"[^a-z0-9]+", "-", result["machine"].lower()).strip("-")
os.makedirs(args.out, exist_ok=True)
path = os.path.join(args.out, f"startup-{slug}-{result['date']}.json")
with tempfile.NamedTemporaryFile("w", dir=args.out, delete=False, suffix=".tmp") as f:
    json.dump(result, f, indent=2)
    f.write("\n")
os.replace(f.name, path)
print(json.dumps({k: result[k] for k in ["machine", "load_average_before", "load_average_after",
                                          "launch_to_first_token_s", "rss_after_load_mib", "ratios"]}, indent=2))
print(f"startup-bench: wrote {path}", file=sys.stderr)
PY
