#!/usr/bin/env bash
# Regenerates docs/results.md: the perplexity of every collaboration kind (single x3, linear, log-linear and max
# pools, adaptive linear pools, contrastive, proxy) on the two held-out sets, with the F16 geometric mean of both,
# for the shared F16 models and the Q8_0 demo models, computed by `chorus eval` with the built distribution. Needs
# the shared models (CHORUS_SHARED_DIR, default ../shared beside the checkout), jq, and a built server/target/chorus
# (./mvnw -q -pl server -am install -DskipTests).
# Usage: scripts/eval-table.sh [OUTPUT.md]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
shared=$(cd "${CHORUS_SHARED_DIR:-$root/../shared}" && pwd)
output=${1:-docs/results.md}
chorus=server/target/chorus/bin/chorus
[[ -x $chorus ]] || { echo "eval-table: build the distribution first: ./mvnw -q -pl server -am install -DskipTests" >&2; exit 1; }
command -v jq >/dev/null || { echo "eval-table: jq is required" >&2; exit 1; }
for set in kjv pydocs; do
  [[ -f $shared/models/heldout-$set.i32 ]] || { echo "eval-table: no $shared/models/heldout-$set.i32" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
names=(base kjv pydocs experts experts-poe experts-max experts-online experts-packllm kjv-contrast pydocs-proxy
  kjv-pydocs-ties)

# One config per precision: the same collaborations over the shared F16 files or the Q8_0 demo files, and a TIES
# merge of the two experts onto the base (merged at start into Chorus's merge cache, in the inputs' tensor type).
write_config() { # FILE BASE KJV PYDOCS
  cat > "${1%.yaml}-ties.yaml" <<YAML
merge_method: ties
base_model: $2
models:
  - { model: $3, parameters: { weight: 0.5, density: 0.5 } }
  - { model: $4, parameters: { weight: 0.5, density: 0.5 } }
out_type: $(basename "${1%.yaml}" | tr a-z A-Z)
YAML
  cat > "$1" <<YAML
models:
  base:   { path: $2, context: 512, threads: $(nproc), slots: 1 }
  kjv:    { path: $3, context: 512, threads: $(nproc), slots: 1 }
  pydocs: { path: $4, context: 512, threads: $(nproc), slots: 1 }
  kjv-pydocs-ties: { merge: ${1%.yaml}-ties.yaml, context: 512, threads: $(nproc), slots: 1 }
collaborations:
  experts:
    kind: ensemble
    method: linear
    members: [ { model: kjv, weight: 0.5 }, { model: pydocs, weight: 0.5 } ]
  experts-poe:
    kind: ensemble
    method: log_linear
    members: [ { model: kjv, weight: 0.5 }, { model: pydocs, weight: 0.5 } ]
  experts-max:
    kind: ensemble
    method: max
    members: [ { model: kjv, weight: 0.5 }, { model: pydocs, weight: 0.5 } ]
  experts-online:
    kind: ensemble
    weights: online
    forgetting: 0.97
    members: [ { model: kjv }, { model: pydocs } ]
  experts-packllm:
    kind: ensemble
    weights: perplexity
    tau: 0.1
    members: [ { model: kjv }, { model: pydocs } ]
  kjv-contrast: { kind: contrastive, expert: kjv, amateur: base, lambda: 0.5, alpha: 0.1 }
  pydocs-proxy: { kind: proxy, base: kjv, expert: pydocs, anti_expert: base, strength: 1.0 }
YAML
}
write_config "$work/f16.yaml" "$shared/models/chorus-base-13m-f16.gguf" "$shared/models/chorus-kjv-13m-f16.gguf" \
  "$shared/models/chorus-pydocs-13m-f16.gguf"
write_config "$work/q8_0.yaml" "$root/models/chorus-base-13m-q8_0.gguf" "$root/models/chorus-kjv-13m-q8_0.gguf" \
  "$root/models/chorus-pydocs-13m-q8_0.gguf"

for precision in f16 q8_0; do
  for set in kjv pydocs; do
    echo "eval-table: $precision on heldout-$set" >&2
    "$chorus" eval --config "$work/$precision.yaml" --model "${names[@]}" --oracle kjv,pydocs \
      --tokens "$shared/models/heldout-$set.i32" --json > "$work/$precision-$set.json"
  done
done

# Perplexity of one collaboration in one run (3 decimals), "∞" with the coverage when a token had probability 0.
jq -n --arg date "$(date -u +%Y-%m-%d)" --arg cpu "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" \
  --arg cores "$(nproc)" \
  --slurpfile fk "$work/f16-kjv.json" --slurpfile fp "$work/f16-pydocs.json" \
  --slurpfile qk "$work/q8_0-kjv.json" --slurpfile qp "$work/q8_0-pydocs.json" -r '
def fixed($digits): (. * pow(10; $digits) | round) as $m | ($m | fabs) as $a | pow(10; $digits) as $s
  | (if $m < 0 then "-" else "" end) + "\(($a / $s) | floor)." + ("000000" + "\($a % $s)")[-$digits:];
def by_name($run): $run[0].results | map({key: .name, value: .}) | from_entries;
def ppl($r): if $r.perplexity == null
             then "∞ (\($r.coverage * 100 | fixed(1))% covered: \($r.covered_perplexity | fixed(3)))"
             else ($r.perplexity | fixed(3)) end;
def geomean($a; $b): if $a.perplexity == null or $b.perplexity == null then "–"
                     else ($a.perplexity * $b.perplexity | sqrt | fixed(3)) end;
def delta($q; $f): if $q.perplexity == null or $f.perplexity == null then "–"
                   else ($q.perplexity / $f.perplexity - 1) * 100 | (if . >= 0 then "+" else "" end) + fixed(2) + "%" end;
(by_name($fk)) as $FK | (by_name($fp)) as $FP | (by_name($qk)) as $QK | (by_name($qp)) as $QP |
"| collaboration | kind | F16 heldout-kjv | F16 heldout-pydocs | F16 geometric mean | Q8_0 heldout-kjv | Q8_0 heldout-pydocs | Q8_0 vs F16 (kjv, pydocs) | tokens/s F16 (kjv set) |",
"| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
($fk[0].results[] | .name as $n |
 "| \($n) | \(.kind) | \(ppl($FK[$n])) | \(ppl($FP[$n])) | \(geomean($FK[$n]; $FP[$n])) | \(ppl($QK[$n])) | \(ppl($QP[$n])) | \(delta($QK[$n]; $FK[$n])), \(delta($QP[$n]; $FP[$n])) | \($FK[$n].tokens_per_second | round) |"),
"",
"Generated \($date) by `scripts/eval-table.sh` on \($cpu) (\($cores) cores); fusion: \($fk[0].results[0].fusion)."
' > "$work/table.md"

{
  sed -n '1,/^<!-- table -->$/p' docs/results.md 2>/dev/null || true
  cat "$work/table.md"
  sed -n '/^<!-- end of table -->$/,$p' docs/results.md 2>/dev/null || true
} > "$work/results.md"
grep -q '^<!-- table -->$' "$work/results.md" || { echo "eval-table: docs/results.md lacks the <!-- table --> markers" >&2; cat "$work/table.md"; exit 1; }
cp "$work/results.md" "$output"
echo "eval-table: wrote $output" >&2
