#!/usr/bin/env bash
# Peak resident memory of a batch-32 training run (the VOC recipe: width 1.0, 300x300), for two builds side by side:
# rounds alternate A, B, B, A, ... Each run trains one epoch of 192 synthetic 500x375 images (6 steps) from scratch
# and reports /usr/bin/time's "Maximum resident set size".
#
#   bench/rss_compare.sh --a OLD_SSDLITE_DLL --b NEW_SSDLITE_DLL [--rounds 2] [--out DIR] [--set-a K=V] [--set-b K=V]
# --set-a/--set-b (repeatable) give one side extra config keys, e.g. --a X --b X --set-b precision=bf16 compares
# one build's fp32 and bf16 runs.
set -euo pipefail
cd "$(dirname "$0")/.."
a="" b="" rounds=2 out="${TMPDIR:-/tmp}/ssdlite-rss-compare" set_a=() set_b=()
while [ $# -gt 0 ]; do
  case "$1" in
    --a) a="$2"; shift 2 ;;
    --b) b="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --set-a) set_a+=("$2"); shift 2 ;;
    --set-b) set_b+=("$2"); shift 2 ;;
    *) echo "rss_compare.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$a" ] && [ -n "$b" ] || { echo "rss_compare.sh: --a and --b are required" >&2; exit 2; }
mkdir -p "$out"
[ -d "$out/data" ] || dotnet "$b" synth --out "$out/data" --images 240 --seed 7 > /dev/null
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then order="a b"; else order="b a"; fi
  for side in $order; do
    dll=$a; extra=("${set_a[@]}")
    if [ "$side" = b ]; then dll=$b; extra=("${set_b[@]}"); fi
    rm -rf "$out/run-$side"
    /usr/bin/time -v dotnet "$dll" train --config configs/mb2-ssdlite-voc.yaml --data "$out/data" --val-data "$out/data" \
      --labels "$out/data/labels.txt" --epochs 1 --batch-size 32 --set train_split=train val_every=0 workers=2 "${extra[@]}" --out "$out/run-$side" \
      > "$out/$side-$r.log" 2> "$out/$side-$r.time"
    kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$out/$side-$r.time")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out/$side-$r.time")
    echo "round $r $side: peak RSS $((kb / 1024)) MiB, wall $wall"
  done
done
