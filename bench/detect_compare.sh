#!/usr/bin/env bash
# Detect, ours against the reference predictor's path, back to back for ROUNDS rounds (the side that goes first
# alternates), on the same .pth and the same images. Two modes:
#   latency (default): median ms per image (decode -> JSON, batch 1); ratio reference/ours (> 1: ours is faster).
#   --throughput N: images/s over N VOC-sized synthetic JPEGs (about 500x375), decode -> JSON; ours is the detect
#     pipeline (batches of 8, decoding workers; 1 and 2 workers, with and without drawing), the reference its
#     predictor one image after another; ratio ours(2 workers, no drawing)/reference (> 1: ours is faster).
# Needs python3-torch and python3-opencv (apt) for the reference.
#   bench/detect_compare.sh [--rounds N] [--iterations N] [--throughput N] [--images DIR] [--weights PTH --classes C --labels FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
# 20 untimed images first on both sides: .NET recompiles hot methods (tiered JIT) on a background thread during the
# first few dozen calls, which on 2 cores otherwise lands inside the timed images.
ROUNDS=3 ITERATIONS=40 THREADS=2 WARMUP=20 THROUGHPUT=0
WEIGHTS=tests/SsdLite.Detection.Tests/Data/oracle/trained-c7.pth CLASSES=7
LABELS=tests/SsdLite.Detection.Tests/Data/oracle/labels-c7.txt IMAGES=
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --iterations) ITERATIONS=$2; shift 2 ;;
    --throughput) THROUGHPUT=$2; shift 2 ;;
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
  IMAGES=$(mktemp -d)
  if (( THROUGHPUT > 0 )); then
    dotnet "$SSDLITE" synth --out "$IMAGES/voc" --images "$THROUGHPUT" --seed 8 --width 500 --height 375 >/dev/null
    cp "$IMAGES"/voc/JPEGImages/*.jpg "$IMAGES/"
  else
    # The oracle image (12 detections) plus synthetic scenes.
    dotnet "$SSDLITE" synth --out "$IMAGES/voc" --images 15 --seed 8 >/dev/null
    cp "$IMAGES"/voc/JPEGImages/*.jpg tests/SsdLite.Detection.Tests/Data/oracle/image.jpg "$IMAGES/"
  fi
fi
bench() { dotnet "$SSDLITE" bench --part detect --threads "$THREADS" --detect-weights "$WEIGHTS" --detect-labels "$LABELS" --detect-images "$IMAGES" "$@"; }
reference() { (cd bench/reference && env MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=67108864 \
  /usr/bin/python3 detect_reference.py --weights "$OLDPWD/$WEIGHTS" --classes "$CLASSES" --images "$IMAGES" \
  --warmup "$WARMUP" --threads "$THREADS" "$@"); }
if (( THROUGHPUT > 0 )); then
  # Ours: one pipeline run per case (the bench's own warm-up pass first); the per-image latency row it also prints is not used.
  ours() { bench -n 1 --warmup 1 --detect-throughput-images "$THROUGHPUT" --detect-workers 1 2 --detect-rounds 1 | awk '/throughput/ {
    sub(/^detect +throughput, /, ""); n = split($0, f, " "); printf "%sw/%s=%s ", $1, ($5 == "drawn" ? "drawn" : "plain"), f[n] }'; }
  theirs() { reference -n "$THROUGHPUT" | awk '/^images_per_s/ { print $2 }'; }
else
  ours() { bench -n "$ITERATIONS" --warmup "$WARMUP" --detect-throughput-images 0 | awk '/^detect/ { print $(NF-3) }'; }
  theirs() { reference -n "$ITERATIONS" | awk '/^median_ms/ { print $2 }'; }
fi
ratios=()
for ((r = 1; r <= ROUNDS; r++)); do
  if (( r % 2 )); then o=$(ours); p=$(theirs); else p=$(theirs); o=$(ours); fi
  if (( THROUGHPUT > 0 )); then
    # o holds "1w/plain=X 1w/drawn=Y 2w/plain=Z 2w/drawn=W" (workers / drawing = images per second)
    two=$(tr ' ' '\n' <<<"$o" | awk -F= '$1 == "2w/plain" { print $2 }')
    ratio=$(awk -v p="$p" -v o="$two" 'BEGIN { printf "%.2f", o / p }')
    echo "round $r: reference $p img/s; ours (img/s) $o; ratio (2 workers, no drawing) $ratio"
  else
    ratio=$(awk -v p="$p" -v o="$o" 'BEGIN { printf "%.2f", p / o }')
    echo "round $r: reference $p ms, ours $o ms, ratio $ratio"
  fi
  ratios+=("$ratio")
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { print "median ratio", (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'
