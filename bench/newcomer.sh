#!/usr/bin/env bash
# Time from `dotnet new` to the first detection, as README's way 1 or 2, with a private NUGET_PACKAGES (cold: every
# package downloaded from the configured source and the local feed).
# usage: bench/newcomer.sh FEED VERSION onnx|cpu WEIGHTS IMAGE   (FEED from scripts/pack.sh; WEIGHTS an ONNX model for onnx, a checkpoint for cpu)
set -euo pipefail
feed=$1; ver=$2; kind=$3; weights=$4; image=$5
dir=$(mktemp -d /tmp/newcomer-XXXX); cd "$dir"
export NUGET_PACKAGES=$dir/np DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
cat > nuget.config <<XML
<configuration><packageSources><add key="ssdlite-feed" value="$feed" /></packageSources></configuration>
XML
start=$(date +%s.%N)
dotnet new console -n App -o App >/dev/null
cd App
if [ "$kind" = onnx ]; then
  dotnet add package SsdLite.Runtime --version "$ver" >/dev/null
  dotnet add package Microsoft.ML.OnnxRuntime --version 1.31.1 >/dev/null
  cat > Program.cs <<'CS'
using SsdLite.Runtime;
using SsdLite.Vision;

using var detector = OnnxDetector.Load(args[0]);
foreach (var d in detector.Detect(ImageIO.Read(args[1])))
    Console.WriteLine($"{d.Label} {d.Score:F2} {d.Box}");
CS
else
  dotnet add package SsdLite-cpu --version "$ver" >/dev/null
  cat > Program.cs <<'CS'
using SsdLite.Detection;
using SsdLite.Vision;

using var detector = Detector.Load(args[0]);
foreach (var d in detector.Detect(ImageIO.Read(args[1])))
    Console.WriteLine($"{d.Label} {d.Score:F2} {d.Box}");
CS
fi
dotnet run -c Release -- "$weights" "$image" 2>/dev/null | head -3
end=$(date +%s.%N)
echo "newcomer $kind: $(echo "$end - $start" | bc) s from dotnet new to the first detection; NUGET_PACKAGES $(du -sh "$NUGET_PACKAGES" | cut -f1)"
du -sh bin/Release/net10.0 | sed 's/^/output: /'
rm -rf "$dir"
