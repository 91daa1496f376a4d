#!/usr/bin/env bash
# An Open Inference Protocol infer request's cost against /v1/detect (docs/benchmarks.md, "Serving: OIP infer against
# detect"): one `ssdlite serve` of the c7 oracle's ONNX export, bench/ServeLoad --oip-compare at 1 and 8 closed-loop
# clients (batches of 1 and of up to 8), detect / binary infer / JSON infer taking turns within each run.
# Usage: bench/serve_oip.sh [OUT_DIR] (env: SECONDS_PER_KIND, default 5; ROUNDS, default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/ssdlite-serve-bench}
. bench/serve_common.sh
port=$(free_port)
url="http://127.0.0.1:$port"
$ssdlite serve --model "$out/c7.onnx" --model-name c7 --urls "$url" --max-batch 8 > "$out/serve-oip.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid; wait $pid || true' EXIT
until curl -sf "$url/v2/health/ready" >/dev/null; do sleep 0.2; done
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for clients in 1 8; do
  $load --oip-compare --url "$url" --images "$out/voc/JPEGImages" --model c7 --concurrency "$clients" \
    --seconds "${SECONDS_PER_KIND:-5}" --rounds "${ROUNDS:-3}" | tee "$out/oip-$clients.json"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
