# Sourced by bench/serve_bench.sh and bench/serve_cold.sh: builds the console and bench/ServeLoad, and puts the
# trained c7 oracle exported to ONNX ($out/c7.onnx) and 200 synthetic ~500x375 JPEGs ($out/voc/JPEGImages) in $out,
# reusing them when they are there. Sets $ssdlite and $load (commands) and defines free_port.
mkdir -p "$out"
dotnet build src/Tools -c Release -v q -nologo >/dev/null
dotnet build bench/ServeLoad -c Release -v q -nologo >/dev/null
ssdlite="dotnet src/Tools/bin/Release/net10.0/ssdlite.dll"
load="dotnet bench/ServeLoad/bin/Release/net10.0/ServeLoad.dll"
oracle=tests/SsdLite.Detection.Tests/Data/oracle
[ -f "$out/c7.onnx" ] || $ssdlite export --weights $oracle/trained-c7.pth --labels $oracle/labels-c7.txt --format onnx --out "$out/c7.onnx" >/dev/null
[ -d "$out/voc/JPEGImages" ] || $ssdlite synth --out "$out/voc" --images 200 --seed 19 --width 500 --height 375 >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
