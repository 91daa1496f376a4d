#!/usr/bin/env bash
# The cold-start tail of `ssdlite serve` (docs/benchmarks.md, "Serving"): fresh server processes, each loaded at a fixed
# rate from the moment it reports ready, alternating between the default warm-up and --warmup-requests 0, so that both
# meet the same machine. Usage: bench/serve_cold.sh [OUT_DIR] (env: PAIRS, default 3; RATE, default 58.5 images/s, half
# of the saturation rate bench/serve_bench.sh measured; SECONDS_EACH, default 60). Reuses serve_bench.sh's model and
# images when OUT_DIR holds them.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/ssdlite-serve-bench}
pairs=${PAIRS:-3}
rate=${RATE:-58.5}
seconds=${SECONDS_EACH:-60}
mkdir -p "$out"
dotnet build src/Tools -c Release -v q -nologo >/dev/null
dotnet build bench/ServeLoad -c Release -v q -nologo >/dev/null
ssdlite="dotnet src/Tools/bin/Release/net10.0/ssdlite.dll"
load="dotnet bench/ServeLoad/bin/Release/net10.0/ServeLoad.dll"
oracle=tests/SsdLite.Detection.Tests/Data/oracle
[ -f "$out/c7.onnx" ] || $ssdlite export --weights $oracle/trained-c7.pth --labels $oracle/labels-c7.txt --format onnx --out "$out/c7.onnx" >/dev/null
[ -d "$out/voc/JPEGImages" ] || $ssdlite synth --out "$out/voc" --images 200 --seed 19 --width 500 --height 375 >/dev/null

# One fresh server with ARGS, loaded for $seconds from readiness; prints p50 p95 p99 max, p99/p50 and the first 10 s's p99.
cold_run() {
  local name=$1; shift
  local port url pid
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
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
