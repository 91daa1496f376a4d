#!/usr/bin/env bash
# Peak memory of a batch-32 training epoch, ours against the reference's eager PyTorch (docs/benchmarks.md, issue 21):
# the VOC recipe (width 1.0, 300x300), one epoch of 240 synthetic images, 2 loader workers and 2 threads on both
# sides, the same glibc malloc settings; rounds alternate ours, reference, reference, ours. Each run is measured by
# bench/tree_memory.py over its whole process tree, because the reference's loader runs in forked processes that
# the main process's peak RSS leaves out. Needs python3-torch and python3-opencv.
#
#   bench/rss_reference.sh --ssdlite SSDLITE_DLL [--rounds 2] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
dll="" rounds=2 out="${TMPDIR:-/tmp}/ssdlite-rss-reference"
while [ $# -gt 0 ]; do
  case "$1" in
    --ssdlite) dll="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "rss_reference.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$dll" ] || { echo "rss_reference.sh: --ssdlite is required" >&2; exit 2; }
mkdir -p "$out"
[ -d "$out/data" ] || dotnet "$dll" synth --out "$out/data" --images 240 --seed 7 > /dev/null
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then order="ours reference"; else order="reference ours"; fi
  for side in $order; do
    rm -rf "$out/run-$side"
    if [ "$side" = ours ]; then
      line=$(bench/tree_memory.py -- dotnet "$dll" train --config configs/mb2-ssdlite-voc.yaml --data "$out/data" \
        --val-data "$out/data" --labels "$out/data/labels.txt" --epochs 1 --batch-size 32 \
        --set train_split=train val_every=0 workers=2 --out "$out/run-$side" 2> "$out/$side-$r.log" | tail -1)
    else
      line=$(MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=2147483647 MALLOC_TOP_PAD_=67108864 bench/tree_memory.py -- \
        /usr/bin/python3 bench/reference/train_reference.py --data "$out/data" --split train --epochs 1 --batch-size 32 \
        --workers 2 --threads 2 --out "$out/run-$side" 2> "$out/$side-$r.log" | tail -1)
    fi
    echo "round $r $side: $line"
  done
done
