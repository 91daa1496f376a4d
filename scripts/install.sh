#!/usr/bin/env bash
# Installs what SsdLite builds and runs with on Debian 12: libtorch and OpenCV from the distribution,
# CMake and g++ for the native bridges, OpenBLAS (the default BLAS is the slow reference one), and checks
# the .NET SDK. Idempotent: packages already present are skipped.
set -euo pipefail

packages=(libtorch-dev libopencv-dev cmake g++ make libopenblas0-pthread)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "install.sh: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Debian ships the reference BLAS as the default alternative; OpenBLAS is several times faster.
if command -v update-alternatives >/dev/null; then
  lib=$(update-alternatives --list libblas.so.3-x86_64-linux-gnu 2>/dev/null | grep openblas | head -n 1 || true)
  [ -z "$lib" ] || update-alternatives --set libblas.so.3-x86_64-linux-gnu "$lib" >/dev/null 2>&1 || true
fi

if ! command -v dotnet >/dev/null; then
  echo "install.sh: the .NET SDK (10.0) is required and was not found on PATH" >&2
  exit 1
fi
major=$(dotnet --version | cut -d. -f1)
if [ "$major" -lt 10 ]; then
  echo "install.sh: .NET SDK 10 or newer is required, found $(dotnet --version)" >&2
  exit 1
fi
echo "install.sh: ready (dotnet $(dotnet --version), libtorch $(dpkg-query -W -f='${Version}' libtorch-dev))"
