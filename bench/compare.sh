#!/usr/bin/env bash
# Side-by-side: `ssdlite bench` against bench/reference/bench_reference.py (eager PyTorch), back to back,
# ROUNDS times (the side that goes first alternates), then per-round ratios reference/ours and their median.
# Ratio > 1 means our side is faster. Both sides use THREADS libtorch threads.
#   bench/compare.sh [--rounds N] [--iterations N] [--warmup N] [--threads N] [--arch A] [--untuned]
#                    [--train-batch-sizes "16 32"] [--bf16] [--breakdown] [--out DIR]
# The training rows compare the reference's eager NCHW step with our channels-last step, the layout and optimizer
# (held-Scalar SGD) `ssdlite train` uses on the CPU; our NCHW step is shown too, labelled. --bf16 adds our
# channels-last bf16 step (ratio to our own fp32 step); --breakdown adds each side's per-phase medians.
# --arch: mb2-ssd-lite (default), mb1-ssd-lite or mb1-ssd, the same network on both sides.
# --untuned: no malloc tuning on either side (our bridge's mallopt undone; Python without the MALLOC_* variables).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=3 ITERATIONS=10 WARMUP=2 THREADS=2 ARCH=mb2-ssd-lite UNTUNED=0 OUT=${TMPDIR:-/tmp}/ssdlite-compare
TRAIN_BATCHES="16 32" BF16=0 BREAKDOWN=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --iterations) ITERATIONS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --arch) ARCH=$2; shift 2 ;;
    --untuned) UNTUNED=1; shift ;;
    --train-batch-sizes) TRAIN_BATCHES=$2; shift 2 ;;
    --bf16) BF16=1; shift ;;
    --breakdown) BREAKDOWN=1; shift ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
SSDLITE=${SSDLITE:-src/Tools/bin/Release/net10.0/ssdlite.dll}
[[ -f $SSDLITE ]] || { echo "build first: dotnet build SsdLite.sln -c Release" >&2; exit 1; }
mkdir -p "$OUT"
read -ra batches <<< "$TRAIN_BATCHES"
common=(--iterations "$ITERATIONS" --warmup "$WARMUP" --threads "$THREADS" --batch-sizes 1 --train-batch-sizes "${batches[@]}" --arch "$ARCH")
ours_flags=(); ref_flags=(); malloc_env=(MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=67108864)
if [[ $UNTUNED == 1 ]]; then ours_flags=(--glibc-malloc-defaults); malloc_env=(); fi
if [[ $BF16 == 1 ]]; then ours_flags+=(--train-precisions fp32 bf16); fi
if [[ $BREAKDOWN == 1 ]]; then ours_flags+=(--train-breakdown); ref_flags+=(--breakdown); fi
tag=$ARCH-$([[ $UNTUNED == 1 ]] && echo untuned || echo tuned)

run_ours() { dotnet "$SSDLITE" bench --part inference train "${common[@]}" "${ours_flags[@]}" --json "$OUT/ours-$tag-$1.json" >/dev/null; }
run_reference() { env "${malloc_env[@]}" /usr/bin/python3 bench/reference/bench_reference.py "${common[@]}" "${ref_flags[@]}" --json "$OUT/reference-$tag-$1.json" >/dev/null; }

for ((r = 1; r <= ROUNDS; r++)); do
  echo "round $r/$ROUNDS ($tag), $(uptime | sed 's/.*load/load/')" >&2
  if ((r % 2)); then run_ours "$r"; run_reference "$r"; else run_reference "$r"; run_ours "$r"; fi
done

/usr/bin/python3 - "$OUT" "$tag" "$ROUNDS" "$TRAIN_BATCHES" "$BF16" "$BREAKDOWN" <<'PY'
import json, statistics, sys
out, tag, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
batches, bf16, breakdown = sys.argv[4].split(), sys.argv[5] == "1", sys.argv[6] == "1"
def medians(path):
    return {r["case"]: r["median"] for r in json.load(open(path))["results"]}
ours = [medians(f"{out}/ours-{tag}-{r}.json") for r in range(1, rounds + 1)]
ref = [medians(f"{out}/reference-{tag}-{r}.json") for r in range(1, rounds + 1)]
cases = [("inference batch 1, eager BN", "batch 1, 300x300, BatchNorm", "batch 1, 300x300, BatchNorm"),
         ("inference batch 1, ours folded", "batch 1, 300x300, folded", "batch 1, 300x300, BatchNorm")]
for b in batches:
    cases += [(f"train b{b}, ours channels last", f"step, batch {b}, 300x300, channels last", f"step, batch {b}, 300x300"),
              (f"train b{b}, ours NCHW", f"step, batch {b}, 300x300", f"step, batch {b}, 300x300")]
print(f"malloc: {tag}; ratio = reference ms / ours ms (> 1: ours faster); train rows: the reference's eager NCHW step")
print(f"{'case':<34} {'round':>5} {'ours ms':>10} {'ref ms':>10} {'ratio':>7}")
for name, ours_case, ref_case in cases:
    ratios = []
    for r in range(rounds):
        o, f = ours[r][ours_case], ref[r][ref_case]
        ratios.append(f / o)
        print(f"{name:<34} {r + 1:>5} {o:>10.1f} {f:>10.1f} {f / o:>7.2f}")
    print(f"{name:<34} {'median':>5} {'':>10} {'':>10} {statistics.median(ratios):>7.2f}")
if bf16:
    print("\nours bf16 against ours fp32 (channels last); speed-up = fp32 ms / bf16 ms")
    for b in batches:
        fp32_case, bf16_case = f"step, batch {b}, 300x300, channels last", f"step, batch {b}, 300x300, channels last, bf16"
        ups = []
        for r in range(rounds):
            ups.append(ours[r][fp32_case] / ours[r][bf16_case])
            print(f"train b{b:<27} {r + 1:>5} {ours[r][fp32_case]:>10.1f} {ours[r][bf16_case]:>10.1f} {ups[-1]:>7.2f}")
        print(f"train b{b:<27} {'median':>5} {'':>10} {'':>10} {statistics.median(ups):>7.2f}")
        if breakdown:
            for phase in ("forward", "backward", "cpu"):
                vals = [(ours[r][f"{fp32_case}: {phase}"], ours[r][f"{bf16_case}: {phase}"]) for r in range(rounds)]
                print(f"  {phase:<10} fp32 / bf16 ms per round: " + ", ".join(f"{a:.0f} / {c:.0f}" for a, c in vals))
if breakdown:
    print("\nstep breakdown, median ms per round (ours channels last | reference eager NCHW)")
    for b in batches:
        for phase in ("forward", "loss", "backward", "optimizer", "host", "cpu"):
            o = [ours[r][f"step, batch {b}, 300x300, channels last: {phase}"] for r in range(rounds)]
            f = [ref[r][f"step, batch {b}, 300x300: {phase}"] for r in range(rounds)]
            print(f"b{b} {phase:<10} ours " + " ".join(f"{v:8.1f}" for v in o) + " | ref " + " ".join(f"{v:8.1f}" for v in f))
PY
