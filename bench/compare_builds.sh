#!/usr/bin/env bash
# Compares two builds of `ssdlite bench` (e.g. the libtorch 1.13 binding against TorchSharp) in one interleaved
# run: rounds alternate A, B, B, A, ... so drift in the machine's load falls on both sides alike. Each round runs
# every requested part; rows are matched by part and case, and the report gives per-row medians over rounds and
# the ratio A/B of times (> 1: B is faster). For throughput rows (loader) the ratio is B/A.
#
#   bench/compare_builds.sh --a OLD_SSDLITE_DLL --b NEW_SSDLITE_DLL [--rounds 4] [--out DIR] -- BENCH_ARGS...
set -euo pipefail
a="" b="" rounds=4 out="${TMPDIR:-/tmp}/ssdlite-compare-builds"
while [ $# -gt 0 ]; do
  case "$1" in
    --a) a="$2"; shift 2 ;;
    --b) b="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "compare_builds.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$a" ] && [ -n "$b" ] || { echo "compare_builds.sh: --a and --b are required" >&2; exit 2; }
mkdir -p "$out"
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then order="a b"; else order="b a"; fi
  for side in $order; do
    dll=$a; [ "$side" = b ] && dll=$b
    echo "round $r: $side" >&2
    dotnet "$dll" bench "$@" --json "$out/$side-$r.json" > "$out/$side-$r.txt"
  done
done
python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def rows(side):
    table = {}
    for r in range(1, rounds + 1):
        doc = json.load(open(f"{out}/{side}-{r}.json"))
        for row in doc["results"]:
            table.setdefault((row["part"], row["case"]), []).append(row)
    return table, doc["machine"]
ta, ma = rows("a"); tb, mb = rows("b")
print(f"A: {ma}\nB: {mb}\n")
print(f"| part | case | A median | B median | ratio (B faster when > 1) |\n|---|---|---|---|---|")
for key in ta:
    if key not in tb: continue
    va = statistics.median(r["median"] for r in ta[key]); vb = statistics.median(r["median"] for r in tb[key])
    unit = ta[key][0]["unit"]
    ratio = (va / vb if unit in ("ms", "us", "s") else vb / va) if min(va, vb) > 0 else float("nan")
    print(f"| {key[0]} | {key[1]} | {va:.3f} {unit} | {vb:.3f} {unit} | {ratio:.3f} |")
PY
