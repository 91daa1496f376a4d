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
# Test-only: the browser test of `ssdlite serve`'s page drives the distribution's Chromium through Microsoft.Playwright
# (Playwright's own browser download needs a network). Nothing SsdLite runs needs it.
if [ ! -x /usr/bin/chromium ]; then
  if command -v apt-get >/dev/null; then
    echo "install.sh: installing chromium (test-only: the serve page's browser test)"
    apt_get="apt-get"
    if [ "$(id -u)" -ne 0 ]; then apt_get="sudo apt-get"; fi
    if ! $apt_get install -y chromium >/dev/null; then
      $apt_get update >/dev/null && $apt_get install -y chromium >/dev/null
    fi
  else
    echo "install.sh: /usr/bin/chromium is missing and there is no apt-get; the serve page's browser test will fail" >&2
  fi
fi
# Test-only: the video tests make, probe and stream real videos with the distribution's ffmpeg and ffprobe (detect's video
# inputs need ffmpeg at run time too; images never do).
if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then
  if command -v apt-get >/dev/null; then
    echo "install.sh: installing ffmpeg (test-only: the video tests; detect needs it for video inputs)"
    apt_get="apt-get"
    if [ "$(id -u)" -ne 0 ]; then apt_get="sudo apt-get"; fi
    if ! $apt_get install -y ffmpeg >/dev/null; then
      $apt_get update >/dev/null && $apt_get install -y ffmpeg >/dev/null
    fi
  else
    echo "install.sh: ffmpeg is missing and there is no apt-get; the video tests will fail" >&2
  fi
fi
echo "install.sh: ready (dotnet $(dotnet --version))"
