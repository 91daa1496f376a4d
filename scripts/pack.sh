#!/usr/bin/env bash
# Packs every SsdLite package into one folder: one per library under src/, the SsdLite-cpu bundle, and the ssdlite
# tool (a pointer package plus one package per platform, linux-x64, win-x64 and osx-arm64, each with its libtorch).
# The build goes to artifacts/pack/, apart from the one the tests use. A package over 250,000,000 bytes fails it.
#   scripts/pack.sh [OUT] [dotnet pack options...]     OUT defaults to artifacts/packages
#   SSDLITE_TOOL_RIDS=linux-x64 scripts/pack.sh        only these tool platforms (';'-separated)
# The version comes from the git tag (MinVer: v1.2.3 gives 1.2.3); -p:MinVerVersionOverride=X sets it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-artifacts/packages}")
shift || true
rids=()
if [ -n "${SSDLITE_TOOL_RIDS:-}" ]; then rids=("-p:SsdLiteToolRids=${SSDLITE_TOOL_RIDS//;/%3B}"); fi
mkdir -p "$out"
for project in src/*/*.csproj; do
  dotnet pack "$project" -c Release -o "$out" -p:SsdLitePack=true "${rids[@]}" "$@"
done
echo "pack.sh: packages in $out"
ls -l "$out"/*.nupkg "$out"/*.snupkg 2>/dev/null | awk '{ printf "%12d  %s\n", $5, $NF }'
