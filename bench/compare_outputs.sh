#!/usr/bin/env bash
# Runs the same image-writing commands with two builds of ssdlite and compares every file they write: a synthetic
# VOC set, a lossless synthetic video (compared frame by frame, as the container carries a random segment id) and
# detect's drawn images and JSON on the decode fixtures, the oracle images and the synthetic JPEGs. Used to show that
# a change of Vision's image storage kept every output byte (docs/architecture.md, Images).
#
#   bench/compare_outputs.sh --a OLD_SSDLITE_DLL --b NEW_SSDLITE_DLL [--out DIR]
set -euo pipefail
a="" b="" out="${TMPDIR:-/tmp}/ssdlite-compare-outputs"
while [ $# -gt 0 ]; do
  case "$1" in
    --a) a="$2"; shift 2 ;;
    --b) b="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "compare_outputs.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$a" ] && [ -n "$b" ] || { echo "compare_outputs.sh: --a and --b are required" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
weights=$root/tests/SsdLite.Detection.Tests/Data/oracle/trained-c7.pth
labels=$root/tests/SsdLite.Detection.Tests/Data/oracle/labels-c7.txt
rm -rf "$out/a" "$out/b"
for side in a b; do
  dll=$a; [ "$side" = b ] && dll=$b
  dir=$out/$side
  mkdir -p "$dir/in"
  dotnet "$dll" synth --images 24 --seed 3 --width 500 --height 375 --out "$dir/synth" > "$dir/synth.log"
  dotnet "$dll" synth --video --lossless --frames 12 --out "$dir/video" > "$dir/video.log"
  ffmpeg -v error -i "$dir/video/shapes.mkv" -f framemd5 - | grep -v '^#' > "$dir/frames.md5"
  cp "$root"/tests/SsdLite.Platform.Tests/Data/vision/decode/*.{jpg,png,webp,bmp} "$root"/tests/SsdLite.Detection.Tests/Data/oracle/*.jpg "$dir/in/"
  cp "$out/a/synth/JPEGImages/"*.jpg "$dir/in/"
  dotnet "$dll" detect --weights "$weights" --labels "$labels" --score-threshold 0.05 --json "$dir/det.json" --out "$dir/drawn" "$dir/in" > "$dir/detect.log"
  sed -i "s#$dir/#IN/#g" "$dir/det.json"
done
status=0
diff -r "$out/a/synth" "$out/b/synth" > /dev/null && echo "synth: identical" || { echo "synth: DIFFERENT"; status=1; }
cmp -s "$out/a/frames.md5" "$out/b/frames.md5" && cmp -s "$out/a/video/shapes.json" "$out/b/video/shapes.json" \
  && echo "video: identical ($(wc -l < "$out/a/frames.md5") frames)" || { echo "video: DIFFERENT"; status=1; }
diff -r "$out/a/drawn" "$out/b/drawn" > /dev/null && echo "drawn: identical ($(ls "$out/a/drawn" | wc -l) files)" || { echo "drawn: DIFFERENT"; status=1; }
cmp -s "$out/a/det.json" "$out/b/det.json" && echo "detections: identical ($(grep -o '"label"' "$out/a/det.json" | wc -l) boxes)" || { echo "detections: DIFFERENT"; status=1; }
exit $status
