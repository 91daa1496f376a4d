#!/usr/bin/env bash
# Side-by-side training: `ssdlite train` (configs/mb2-ssdlite-voc.yaml, the reference recipe) against
# bench/reference/train_reference.py (the reference's train_ssd.py recipe in eager PyTorch), on one synthetic
# VOC-format set, EPOCHS epochs each, one after the other. Per epoch: mean training loss (regression,
# classification) and mAP@0.5 (VOC07 11-point) on the test split, both sides scored by `ssdlite eval`; and
# training throughput (loading + augmentation + step, batch 32, 2 loader workers; evaluation and checkpoint
# saves excluded), with the ratio ours/reference (> 1: ours faster).
#   bench/train_compare.sh [--epochs N] [--images N] [--seed S] [--threads N] [--t-max E] [--train-split NAME]
#                          [--out DIR] [--only ours|reference]
# Both sides follow the recipe's cosine schedule over T_MAX (200) epochs and stop after EPOCHS (our side with the
# t_max key), keeping each epoch's weights (save_every=1 on ours) for evaluation after training.
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=5 IMAGES=1100 SEED=0 THREADS=2 T_MAX=200 SPLIT=trainval ONLY="" OUT=${TMPDIR:-/tmp}/ssdlite-train-compare
while [[ $# -gt 0 ]]; do
  case "$1" in
    --epochs) EPOCHS=$2; shift 2 ;;
    --images) IMAGES=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --t-max) T_MAX=$2; shift 2 ;;
    --train-split) SPLIT=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
((T_MAX >= EPOCHS)) || { echo "--t-max must be at least --epochs" >&2; exit 2; }
SSDLITE=${SSDLITE:-src/Tools/bin/Release/net10.0/ssdlite.dll}
[[ -f $SSDLITE ]] || { echo "build first: dotnet build SsdLite.sln -c Release" >&2; exit 1; }
export SSDLITE_NUM_THREADS=$THREADS
malloc_env=(MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=67108864)
DATA=$OUT/data-$IMAGES-$SEED
mkdir -p "$OUT"

if [[ ! -f $DATA/ImageSets/Main/test.txt ]]; then
  dotnet "$SSDLITE" synth --out "$DATA" --images "$IMAGES" --seed "$SEED"
fi
echo "data: $DATA ($(wc -l < "$DATA/ImageSets/Main/$SPLIT.txt") $SPLIT images, $(wc -l < "$DATA/ImageSets/Main/test.txt") test images)" >&2

run_ours() {
  local dir=$OUT/ours
  rm -rf "$dir"; mkdir -p "$dir"
  echo "ours: ssdlite train, $EPOCHS epochs (t_max $T_MAX)" >&2
  dotnet "$SSDLITE" train --config configs/mb2-ssdlite-voc.yaml \
    --set "data=$DATA" val_data=null "train_split=$SPLIT" "epochs=$EPOCHS" "t_max=$T_MAX" save_every=1 batch_size=32 \
          workers=2 val_every=0 "seed=$SEED" "out=$dir/run" log_every_seconds=60 2>&1 | tee "$dir/train.log" >&2
  for ((e = 1; e <= EPOCHS; e++)); do cp "$dir/run/checkpoints/epoch-$e.ckpt" "$dir/epoch-$e.ckpt"; done
  cp "$dir/run/metrics.csv" "$dir/metrics.csv"
}

run_reference() {
  local dir=$OUT/reference
  rm -rf "$dir"; mkdir -p "$dir"
  echo "reference: train_reference.py, $EPOCHS epochs (T_max $T_MAX)" >&2
  env "${malloc_env[@]}" /usr/bin/python3 bench/reference/train_reference.py --data "$DATA" --split "$SPLIT" \
    --labels "$DATA/labels.txt" --epochs "$EPOCHS" --t-max "$T_MAX" --batch-size 32 --workers 2 --threads "$THREADS" \
    --seed "$SEED" --out "$dir" 2>&1 | tee "$dir/train.log" >&2
}

evaluate() {  # evaluate SIDE EXT [extra eval flags]
  local side=$1 ext=$2; shift 2
  for ((e = 1; e <= EPOCHS; e++)); do
    local w=$OUT/$side/epoch-$e.$ext
    [[ -f $w ]] || { echo "missing $w" >&2; continue; }
    dotnet "$SSDLITE" eval --weights "$w" --data "$DATA" --split test "$@" --json "$OUT/$side/eval-$e.json" > "$OUT/$side/eval-$e.log"
    echo "$side epoch $e: $(grep -o '"mAP": *[0-9.eE+-]*' "$OUT/$side/eval-$e.json")" >&2
  done
}

if [[ $ONLY != reference ]]; then run_ours; evaluate ours ckpt; fi
if [[ $ONLY != ours ]]; then run_reference; evaluate reference pth --labels "$DATA/labels.txt"; fi

/usr/bin/python3 - "$OUT" "$EPOCHS" <<'PY'
import csv, json, os, sys
out, epochs = sys.argv[1], int(sys.argv[2])

def rows(path):
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {int(r["epoch"]): r for r in csv.DictReader(f)}

def mean_map(side, e):
    path = f"{out}/{side}/eval-{e}.json"
    return json.load(open(path))["mAP"] if os.path.exists(path) else None

ours, ref = rows(f"{out}/ours/metrics.csv"), rows(f"{out}/reference/metrics.csv")
def fmt(v, width, spec=""):
    return ("-" if v is None else format(v, spec)).rjust(width)

def loss(r):
    return None if r is None else \
        f"{float(r['loss']):.3f} ({float(r['regression_loss']):.3f}, {float(r['classification_loss']):.3f})"

def ips(r):
    return None if r is None else float(r["images_per_s"])

print(f"{'epoch':>5} | {'ours loss (reg, cls)':>24} | {'reference loss (reg, cls)':>25} | {'ours mAP':>8} | "
      f"{'ref mAP':>8} | {'ours img/s':>10} | {'ref img/s':>9}")
for e in range(1, epochs + 1):
    o, r = ours.get(e), ref.get(e)
    print(f"{e:>5} | {fmt(loss(o), 24)} | {fmt(loss(r), 25)} | {fmt(mean_map('ours', e), 8, '.4f')} | "
          f"{fmt(mean_map('reference', e), 8, '.4f')} | {fmt(ips(o), 10, '.2f')} | {fmt(ips(r), 9, '.2f')}")

def throughput(table, first):
    # images / training seconds over the epochs from `first`; our rows hold img/s of equal-sized epochs
    picked = [table[e] for e in range(first, epochs + 1) if e in table]
    if not picked:
        return None
    if "images" in picked[0]:
        return sum(float(p["images"]) for p in picked) / sum(float(p["seconds"]) for p in picked)
    return len(picked) / sum(1 / float(p["images_per_s"]) for p in picked)

for label, first in (("all epochs", 1), ("epochs 2+", 2)):
    if first > epochs:
        continue
    o, r = throughput(ours, first), throughput(ref, first)
    ratio = f"{o / r:.2f}" if o and r else "-"
    print(f"throughput, {label}: ours {fmt(o, 0, '.2f')} img/s, reference {fmt(r, 0, '.2f')} img/s, ours/reference {ratio}")
PY
