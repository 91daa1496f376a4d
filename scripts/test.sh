#!/usr/bin/env bash
# Set-up plus the whole test suite. Test assemblies run one after another so heavy tests (memory, training)
# do not share the two cores. Ends with one summary line over all assemblies: "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
dotnet build SsdLite.sln -c Release
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test SsdLite.sln -c Release --no-build -m:1 "$@" | tee "$log" || status=$?
awk '/(Passed|Failed)!  - Failed:/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:") failed += $(i + 1); if ($i == "Passed:") passed += $(i + 1); if ($i == "Skipped:") skipped += $(i + 1)
       }
     }
     END { gsub(",", "", passed); printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped }' "$log"
exit "$status"
