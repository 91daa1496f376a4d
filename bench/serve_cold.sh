#!/usr/bin/env bash
# The cold-start tail of `ssdlite serve` (docs/benchmarks.md, "Serving"): fresh server processes, each loaded at a fixed
# rate from the moment it reports ready, alternating between the default warm-up and --warmup-requests 0, so that both
# meet the same machine. Usage: bench/serve_cold.sh [OUT_DIR] (env: PAIRS, default 3; RATE, default 58.5 images/s, half
# of the saturation rate bench/serve_bench.sh measured; SECONDS_EACH, default 60). Model and images as serve_bench.sh's
# (bench/serve_common.sh), reused when OUT_DIR holds them.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/ssdlite-serve-bench}
pairs=${PAIRS:-3}
rate=${RATE:-58.5}
seconds=${SECONDS_EACH:-60}
. bench/serve_common.sh

# One fresh server with ARGS, loaded for $seconds from readiness; prints p50 p95 p99 max, p99/p50 and the first 10 s's p99.
cold_run() {
  local name=$1; shift
  local port url pid
  port=$(free_port)
  url="http://127.0.0.1:$port"
  $ssdlite serve --model "$out/c7.onnx" --urls "$url" "$@" > "$out/$name.log" 2>&1 &
  pid=$!
  until curl -sf "$url/v2/health/ready" >/dev/null; do sleep 0.1; done
  $load --url "$url" --images "$out/voc/JPEGImages" --rate "$rate" --seconds "$seconds" --json "$out/$name.json" >/dev/null
  kill -TERM "$pid"; wait "$pid" || true
  python3 - "$out/$name.json" "$name" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); l = r['latency_ms_200']; w = r['latency_ms_200_by_10s'][0]
print(f"{sys.argv[2]:<14} statuses {r['statuses']} p50 {l['p50']:.1f} p95 {l['p95']:.1f} p99 {l['p99']:.1f} max {l['max']:.0f}"
      f"  p99/p50 {l['p99'] / l['p50']:.2f}  first 10 s p99 {w['p99']:.1f}")
PY
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $pairs pairs at $rate/s for $seconds s" | tee "$out/cold.txt"
for i in $(seq 1 "$pairs"); do
  cold_run "warm-$i" | tee -a "$out/cold.txt"
  cold_run "nowarm-$i" --warmup-requests 0 | tee -a "$out/cold.txt"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/cold.txt"
