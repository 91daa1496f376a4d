#!/usr/bin/env bash
# Runs on the GPU machine: unpacks the self-contained check (made by pack.sh) and points it at the PyTorch
# install's CUDA libtorch. Prints the comparison; the log is also written to $OUT when that is set.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p /tmp/gpucheck && tar xJf "$here/gpucheck.tar.xz" -C /tmp/gpucheck
lib=$(python3 -c "import torch, os; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))")
python3 -c "import torch; print('python torch', torch.__version__, 'cuda', torch.version.cuda)"
export LD_LIBRARY_PATH="$lib:${LD_LIBRARY_PATH:-}"
/tmp/gpucheck/GpuCheck "$lib" "$@" 2>&1 | tee "${OUT:-/tmp}/gpucheck.log"
