#!/usr/bin/env bash
# Checks what SsdLite needs on a fresh machine: the .NET SDK 10 or newer, and nothing else. TorchSharp (with
# libtorch 2.10), SkiaSharp and the other libraries come from NuGet during the build; no system package, C++
# compiler or libtorch install is used. On Debian 12 / Ubuntu 22.04 the engine patches a copy of TorchSharp's
# native library at first start (README, "How the engine loads").
set -euo pipefail

if ! command -v dotnet >/dev/null; then
  echo "install.sh: the .NET SDK (10.0) is required and was not found on PATH" >&2
  exit 1
fi
major=$(dotnet --version | cut -d. -f1)
if [ "$major" -lt 10 ]; then
  echo "install.sh: .NET SDK 10 or newer is required, found $(dotnet --version)" >&2
  exit 1
fi
echo "install.sh: ready (dotnet $(dotnet --version))"
