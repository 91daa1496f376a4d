#!/usr/bin/env bash
# Set-up, build and the end-to-end demo: a synthetic shapes dataset, training, evaluation and drawn detections
# under runs/demo (pass --out DIR to put them elsewhere). Any further arguments go to `ssdlite demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
dotnet build SsdLite.sln -c Release
exec src/Tools/bin/Release/net10.0/ssdlite demo "$@"
