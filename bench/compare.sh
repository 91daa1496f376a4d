#!/usr/bin/env bash
# Side-by-side: `ssdlite bench` against bench/reference/bench_reference.py (eager PyTorch), back to back,
# ROUNDS times (the side that goes first alternates), then per-round ratios reference/ours and their median.
# Ratio > 1 means our side is faster. Both sides use THREADS libtorch threads.
#   bench/compare.sh [--rounds N] [--iterations N] [--warmup N] [--threads N] [--arch A] [--untuned] [--out DIR]
# --arch: mb2-ssd-lite (default), mb1-ssd-lite or mb1-ssd, the same network on both sides.
# --untuned: no malloc tuning on either side (our bridge's mallopt undone; Python without the MALLOC_* variables).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=3 ITERATIONS=10 WARMUP=2 THREADS=2 ARCH=mb2-ssd-lite UNTUNED=0 OUT=${TMPDIR:-/tmp}/ssdlite-compare
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --iterations) ITERATIONS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --arch) ARCH=$2; shift 2 ;;
    --untuned) UNTUNED=1; shift ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
SSDLITE=${SSDLITE:-src/Tools/bin/Release/net10.0/ssdlite.dll}
[[ -f $SSDLITE ]] || { echo "build first: dotnet build SsdLite.sln -c Release" >&2; exit 1; }
mkdir -p "$OUT"
common=(--iterations "$ITERATIONS" --warmup "$WARMUP" --threads "$THREADS" --batch-sizes 1 --train-batch-sizes 16 --arch "$ARCH")
ours_flags=(); malloc_env=(MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=67108864)
if [[ $UNTUNED == 1 ]]; then ours_flags=(--glibc-malloc-defaults); malloc_env=(); fi
tag=$ARCH-$([[ $UNTUNED == 1 ]] && echo untuned || echo tuned)

run_ours() { dotnet "$SSDLITE" bench --part inference train "${common[@]}" "${ours_flags[@]}" --json "$OUT/ours-$tag-$1.json" >/dev/null; }
run_reference() { env "${malloc_env[@]}" /usr/bin/python3 bench/reference/bench_reference.py "${common[@]}" --json "$OUT/reference-$tag-$1.json" >/dev/null; }

for ((r = 1; r <= ROUNDS; r++)); do
  echo "round $r/$ROUNDS ($tag)" >&2
  if ((r % 2)); then run_ours "$r"; run_reference "$r"; else run_reference "$r"; run_ours "$r"; fi
done

/usr/bin/python3 - "$OUT" "$tag" "$ROUNDS" <<'PY'
import json, statistics, sys
out, tag, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
def medians(path):
    return {r["case"]: r["median"] for r in json.load(open(path))["results"]}
cases = [("inference batch 1, eager BN", "batch 1, 300x300, BatchNorm", "batch 1, 300x300, BatchNorm"),
         ("inference batch 1, ours folded", "batch 1, 300x300, folded", "batch 1, 300x300, BatchNorm"),
         ("train step batch 16", "step, batch 16, 300x300", "step, batch 16, 300x300")]
print(f"malloc: {tag}; ratio = reference ms / ours ms (> 1: ours faster)")
print(f"{'case':<32} {'round':>5} {'ours ms':>10} {'ref ms':>10} {'ratio':>7}")
for name, ours_case, ref_case in cases:
    ratios = []
    for r in range(1, rounds + 1):
        ours = medians(f"{out}/ours-{tag}-{r}.json")[ours_case]
        ref = medians(f"{out}/reference-{tag}-{r}.json")[ref_case]
        ratios.append(ref / ours)
        print(f"{name:<32} {r:>5} {ours:>10.1f} {ref:>10.1f} {ref / ours:>7.2f}")
    print(f"{name:<32} {'median':>5} {'':>10} {'':>10} {statistics.median(ratios):>7.2f}")
PY
