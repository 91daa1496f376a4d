#!/usr/bin/env bash
# Set-up plus the whole test suite. Test assemblies run one after another so heavy tests (memory, training)
# do not share the two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
dotnet build SsdLite.sln -c Release
dotnet test SsdLite.sln -c Release --no-build -m:1 "$@"
