#!/usr/bin/env bash
# Checks what SsdLite needs on a fresh machine: the .NET SDK 10 or newer, and for the tests alone the chromium
# and ffmpeg packages (installed when missing, see below). TorchSharp (with libtorch 2.10), SkiaSharp and the other libraries
# come from NuGet during the build; SsdLite itself uses no system package, C++ compiler or libtorch install. On Debian 12 / Ubuntu 22.04 the engine patches a copy of TorchSharp's
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
# Installs Debian package $1 with apt-get (updating the index once if the first try fails); $2 says what needs it.
install_test_package() {
  if command -v apt-get >/dev/null; then
    echo "install.sh: installing $1 (test-only: $2)"
    apt_get="apt-get"
    if [ "$(id -u)" -ne 0 ]; then apt_get="sudo apt-get"; fi
    if ! $apt_get install -y "$1" >/dev/null; then
      $apt_get update >/dev/null && $apt_get install -y "$1" >/dev/null
    fi
  else
    echo "install.sh: $1 is missing and there is no apt-get; $2 will fail" >&2
  fi
}
# Test-only: the browser test of `ssdlite serve`'s page drives the distribution's Chromium through Microsoft.Playwright
# (Playwright's own browser download needs a network). Nothing SsdLite runs needs it.
if [ ! -x /usr/bin/chromium ]; then
  install_test_package chromium "the serve page's browser test"
fi
# Test-only: the video tests make, probe and stream real videos with the distribution's ffmpeg and ffprobe (detect's video
# inputs need ffmpeg at run time too; images never do).
if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then
  install_test_package ffmpeg "the video tests"
fi
echo "install.sh: ready (dotnet $(dotnet --version))"
