#!/usr/bin/env bash
# Detect latency per image (decode -> JSON), ours against the reference predictor's path, back to back for ROUNDS
# rounds (the side that goes first alternates), on the same .pth and the same images; prints per-round medians and
# the ratio reference/ours (> 1: ours is faster). Needs python3-torch and python3-opencv (apt) for the reference.
#   bench/detect_compare.sh [--rounds N] [--iterations N] [--images DIR] [--weights PTH --classes C --labels FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
# 20 untimed images first on both sides: .NET recompiles hot methods (tiered JIT) on a background thread during the
# first few dozen calls, which on 2 cores otherwise lands inside the timed images.
ROUNDS=3 ITERATIONS=40 THREADS=2 WARMUP=20
WEIGHTS=tests/SsdLite.Detection.Tests/Data/oracle/trained-c7.pth CLASSES=7
LABELS=tests/SsdLite.Detection.Tests/Data/oracle/labels-c7.txt IMAGES=
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --iterations) ITERATIONS=$2; shift 2 ;;
    --images) IMAGES=$2; shift 2 ;;
    --weights) WEIGHTS=$2; shift 2 ;;
    --classes) CLASSES=$2; shift 2 ;;
    --labels) LABELS=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
SSDLITE=${SSDLITE:-src/Tools/bin/Release/net10.0/ssdlite.dll}
[[ -f $SSDLITE ]] || { echo "build first: dotnet build SsdLite.sln -c Release" >&2; exit 1; }
if [[ -z $IMAGES ]]; then
  # The oracle image (12 detections) plus synthetic scenes.
  IMAGES=$(mktemp -d)
  dotnet "$SSDLITE" synth --out "$IMAGES/voc" --images 15 --seed 8 >/dev/null
  cp "$IMAGES"/voc/JPEGImages/*.jpg tests/SsdLite.Detection.Tests/Data/oracle/image.jpg "$IMAGES/"
fi
ours() { dotnet "$SSDLITE" bench --part detect --threads "$THREADS" -n "$ITERATIONS" --warmup "$WARMUP" --detect-weights "$WEIGHTS" \
  --detect-labels "$LABELS" --detect-images "$IMAGES" | awk '/^detect/ { print $(NF-3) }'; }
reference() { (cd bench/reference && env MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=67108864 \
  /usr/bin/python3 detect_reference.py --weights "$OLDPWD/$WEIGHTS" --classes "$CLASSES" --images "$IMAGES" \
  -n "$ITERATIONS" --warmup "$WARMUP" --threads "$THREADS" | awk '/^median_ms/ { print $2 }'); }
ratios=()
for ((r = 1; r <= ROUNDS; r++)); do
  if (( r % 2 )); then o=$(ours); p=$(reference); else p=$(reference); o=$(ours); fi
  ratio=$(awk -v p="$p" -v o="$o" 'BEGIN { printf "%.2f", p / o }')
  echo "round $r: reference $p ms, ours $o ms, ratio $ratio"
  ratios+=("$ratio")
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { print "median ratio", (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'
