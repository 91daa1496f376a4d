#!/usr/bin/env bash
# scripts/fuzz.sh TARGET SECONDS [PLATEAU]: fuzz one reader with afl++ and SharpFuzz for SECONDS (or, with PLATEAU,
# until PLATEAU seconds pass with no new path: coverage stopped growing, afl's AFL_EXIT_ON_TIME), from the seed corpus in
# tests/fuzz/corpus/TARGET (made from the tests' own files). Targets: pth ckpt safetensors voc coco yolo-labels data-yaml image
# multipart oip.
# Needs afl-fuzz (Debian's afl++) on PATH; installs the sharpfuzz tool (SharpFuzz.CommandLine 2.3.0) under the
# work folder. Work folder: $SSDLITE_FUZZ_OUT (default /tmp/ssdlite-fuzz). Prints afl's figures at the end; crashes
# and hangs land in WORK/findings/TARGET/default/{crashes,hangs}: copy each into tests/fuzz/findings/TARGET/ (the
# suite replays them, FuzzReplayTests) and fix the reader.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET SECONDS}
seconds=${2:?usage: scripts/fuzz.sh TARGET SECONDS [PLATEAU]}
plateau=${3:-}
[ -d "tests/fuzz/corpus/$target" ] || { echo "no seed corpus tests/fuzz/corpus/$target" >&2; exit 2; }
command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found (apt-get install afl++)" >&2; exit 2; }
work=${SSDLITE_FUZZ_OUT:-/tmp/ssdlite-fuzz}
bin="$work/bin"
mkdir -p "$work"
if [ ! -x "$work/tools/sharpfuzz" ]; then
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$work/tools" >/dev/null
fi
# A build from before the target was added does not know it: build again.
if [ -f "$bin/.instrumented" ] && ! { "$bin/SsdLite.Fuzz" 2>&1 || true; } | grep -q "targets:.*\b$target\b"; then
  rm -f "$bin/.instrumented"
fi
if [ ! -f "$bin/.instrumented" ]; then
  # Copies, not the hard links the repository's build makes: sharpfuzz rewrites the files in place.
  dotnet build fuzz/SsdLite.Fuzz -c Release -o "$bin" -p:CreateHardLinksForCopyLocalIfPossible=false \
    -p:CreateHardLinksForCopyFilesToOutputDirectoryIfPossible=false >/dev/null
  for assembly in SsdLite.Platform.dll SsdLite.Data.dll SsdLite.Vision.dll SsdLite.Serving.dll; do
    cp "$bin/$assembly" "$bin/$assembly.copy" && mv -f "$bin/$assembly.copy" "$bin/$assembly"
  done
  # The namespaces whose branches afl sees (the readers); the rest (the engine set-up, which runs in a module
  # initializer before SharpFuzz has mapped afl's shared memory, .NET, TorchSharp, SkiaSharp) run uninstrumented.
  "$work/tools/sharpfuzz" "$bin/SsdLite.Platform.dll" SsdLite.Platform.Serialization SsdLite.Platform.Checkpoints
  "$work/tools/sharpfuzz" "$bin/SsdLite.Data.dll" SsdLite.Data
  "$work/tools/sharpfuzz" "$bin/SsdLite.Vision.dll" SsdLite.Vision
  "$work/tools/sharpfuzz" "$bin/SsdLite.Serving.dll" SsdLite.Serving
  touch "$bin/.instrumented"
fi
out="$work/findings/$target"
rm -rf "$out"
mkdir -p "$work/findings"
# A 1 GiB managed heap: an allocation sized by the file beyond it is an OutOfMemoryException, so a crash.
export DOTNET_GCHeapHardLimit=0x40000000 SSDLITE_NUM_THREADS=1
[ -n "$plateau" ] && export AFL_EXIT_ON_TIME="$plateau"
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
afl-fuzz -i "tests/fuzz/corpus/$target" -o "$out" -t 5000 -m none -V "$seconds" -- "$bin/SsdLite.Fuzz" "$target" >"$work/$target.log" 2>&1 || {
  tail -30 "$work/$target.log" >&2
  exit 1
}
stats="$out/default/fuzzer_stats"
awk -v t="$target" -F' *: *' '
  { v[$1] = $2 }
  END { printf "%s: %s s, %s executions (%s/s), corpus %s, coverage %s, last new path %s s before the end, crashes %s, hangs %s\n", t, v["run_time"], v["execs_done"], v["execs_per_sec"], v["corpus_count"], v["bitmap_cvg"], v["last_update"] - v["last_find"], v["saved_crashes"], v["saved_hangs"] }' "$stats"
ls "$out/default/crashes" "$out/default/hangs" 2>/dev/null | grep -v README || true
