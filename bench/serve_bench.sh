#!/usr/bin/env bash
# Load figures of `ssdlite serve` (docs/benchmarks.md, "Serving"): saturation throughput beside `ssdlite detect --runtime
# onnx` over the same ~500x375 JPEGs, latency at half that rate, 3x overload, and RSS drift at half rate, with the
# fixed-arrival-rate generator bench/ServeLoad. Usage: bench/serve_bench.sh [OUT_DIR] (env: RSS_SECONDS, 0 skips the
# RSS run; OVERLOAD_SECONDS).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/ssdlite-serve-bench}
rss_seconds=${RSS_SECONDS:-600}
overload_seconds=${OVERLOAD_SECONDS:-60}
. bench/serve_common.sh
images="$out/voc/JPEGImages"
all=("$images"/*.jpg)
small=("${all[@]:0:8}")

# detect's images/s: a 200-image run minus an 8-image run, so process start and model load cancel out.
detect_rate() {
  local t0 t1 t2
  t0=$(date +%s.%N); $ssdlite detect --runtime onnx --weights "$out/c7.onnx" --json "$out/d8.json" "${small[@]}" >/dev/null
  t1=$(date +%s.%N); $ssdlite detect --runtime onnx --weights "$out/c7.onnx" --json "$out/d200.json" "$images"/*.jpg >/dev/null
  t2=$(date +%s.%N)
  python3 -c "print(round(192 / (($t2 - $t1) - ($t1 - $t0)), 2))"
}

port=$(free_port)
url="http://127.0.0.1:$port"
start_server() {
  $ssdlite serve --model "$out/c7.onnx" --urls "$url" "$@" > "$out/serve.log" 2>&1 &
  pid=$!
  until curl -sf "$url/v2/health/ready" >/dev/null; do sleep 0.2; done
}
stop_server() { kill -TERM "$pid"; wait "$pid" || true; }

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/summary.txt"
d1=$(detect_rate)
start_server
$load --url "$url" --images "$images" --concurrency 16 --seconds 30 --json "$out/saturation.json" >/dev/null
stop_server
start_server --spin
$load --url "$url" --images "$images" --concurrency 16 --seconds 30 --json "$out/saturation-spin.json" >/dev/null
stop_server
d2=$(detect_rate)
sat=$(python3 -c "import json; print(json.load(open('$out/saturation.json'))['ok_per_second'])")
spin=$(python3 -c "import json; print(json.load(open('$out/saturation-spin.json'))['ok_per_second'])")
half=$(python3 -c "print(round($sat / 2, 2))")
triple=$(python3 -c "print(round($sat * 3, 2))")

start_server
$load --url "$url" --images "$images" --rate "$half" --seconds 60 --json "$out/half.json" >/dev/null
$load --url "$url" --images "$images" --rate "$triple" --seconds "$overload_seconds" --json "$out/overload.json" >/dev/null
if [ "$rss_seconds" -gt 0 ]; then
  $load --url "$url" --images "$images" --rate "$half" --seconds "$rss_seconds" --pid "$pid" --rss-every 10 --json "$out/rss.json" >/dev/null
fi
stop_server
{
  echo "detect --runtime onnx images/s: $d1 (before), $d2 (after)"
  echo "serve saturation (16 clients, spinning off) images/s: $sat; with --spin: $spin"
  echo "ratio serve/detect: $(python3 -c "print(round($sat / (($d1 + $d2) / 2), 3))")"
  echo "half rate ($half/s): $(python3 -c "import json; r=json.load(open('$out/half.json')); print(r['statuses'], r['latency_ms_200'], 'batches', r['batch_size_histogram'])")"
  echo "3x ($triple/s, ${overload_seconds}s): $(python3 -c "import json; r=json.load(open('$out/overload.json')); print(r['statuses'], r['latency_ms_200'], 'ready again ms', r['ready_again_ms'])")"
  [ "$rss_seconds" -gt 0 ] && echo "rss at half rate (${rss_seconds}s, MB every 10 s): $(python3 -c "import json; r=json.load(open('$out/rss.json')); s=r['rss_mb']; w=s[len(s)//5]; print(s, 'after warm-up', w, 'end', s[-1], 'growth %.2f%%' % (100*(s[-1]-w)/w))")"
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a "$out/summary.txt"
