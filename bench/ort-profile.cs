#:package Microsoft.ML.OnnxRuntime@1.31.1
// Where ONNX Runtime spends an exported detector's time: runs MODEL (input_0 [B, 3, S, S], seeded random values in the
// normalised range) with ONNX Runtime's profiler on, all graph optimisations, and sums the kernel time per operator.
// A .NET 10 file-based app; run a copy outside the repository (the repository's Directory.Build files would join its build):
//   cp bench/ort-profile.cs /tmp/p/ && dotnet run /tmp/p/ort-profile.cs -- MODEL [BATCH=1] [RUNS=20] [THREADS=2]
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

var model = args[0];
var batch = args.Length > 1 ? int.Parse(args[1]) : 1;
var runs = args.Length > 2 ? int.Parse(args[2]) : 20;
var threads = args.Length > 3 ? int.Parse(args[3]) : 2;
var prefix = Path.Combine(Path.GetTempPath(), $"ort-profile-{Environment.ProcessId}");
using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads, InterOpNumThreads = 1 };
options.EnableProfiling = true;
options.ProfileOutputPathPrefix = prefix;
using var session = new InferenceSession(model, options);
var size = (int)session.InputMetadata["input_0"].Dimensions[2];
var rng = new Random(1);
var input = new float[batch * 3 * size * size];
for (var i = 0; i < input.Length; i++) input[i] = (float)((rng.NextDouble() * 2) - 1);
using var value = OrtValue.CreateTensorValueFromMemory(input, [batch, 3, size, size]);
using var runOptions = new RunOptions();
for (var r = 0; r < runs + 3; r++)
{
    using var outputs = session.Run(runOptions, ["input_0"], [value], ["scores", "boxes"]);
}
var file = session.EndProfiling();
var totals = new Dictionary<string, (double Us, int Count)>();
foreach (var e in JsonDocument.Parse(File.ReadAllText(file)).RootElement.EnumerateArray())
{
    if (e.GetProperty("cat").GetString() != "Node" || !e.GetProperty("name").GetString()!.EndsWith("_kernel_time", StringComparison.Ordinal)) continue;
    var op = e.GetProperty("args").GetProperty("op_name").GetString()!;
    var t = totals.GetValueOrDefault(op);
    totals[op] = (t.Us + e.GetProperty("dur").GetDouble(), t.Count + 1);
}
File.Delete(file);
var all = totals.Values.Sum(t => t.Us);
Console.WriteLine($"{model}: batch {batch}, {threads} threads, {runs + 3} runs (3 warm-up included), kernel time per run {all / (runs + 3) / 1000:F2} ms");
foreach (var (op, t) in totals.OrderByDescending(kv => kv.Value.Us))
    Console.WriteLine($"  {op,-24} {t.Us / (runs + 3) / 1000,8:F3} ms/run {100 * t.Us / all,6:F1} %  ({t.Count / (runs + 3)} nodes)");
