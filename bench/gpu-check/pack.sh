#!/usr/bin/env bash
# Here: publishes the check self-contained for linux-x64 without libtorch's CPU libraries, ONNX Runtime or Skia
# (the GPU machine's PyTorch supplies libtorch), and packs it as gpucheck.tar.xz (~26 MB) beside this script.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
dotnet publish "$here/GpuCheck.csproj" -c Release -o "$out"
(cd "$out" && rm -f libc10.so libtorch*.so libshm.so libaoti_custom_ops.so libbackend_with_compiler.so \
  libjitbackend_test.so libnnapi_backend.so libonnxruntime*.so libSkiaSharp.so createdump libmscordaccore.so \
  libmscordbi.so libclrgc.so libclrgcexp.so libcoreclrtraceptprovider.so ./*.pdb)
tar cf - -C "$out" . | xz -T2 -6 > "$here/gpucheck.tar.xz"
rm -rf "$out"
ls -la "$here/gpucheck.tar.xz"
