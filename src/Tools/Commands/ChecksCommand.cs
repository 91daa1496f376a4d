using System.CommandLine;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using SsdLite.Vision;

namespace SsdLite.Tools.Commands;

/// <summary>
/// <c>ssdlite checks [--json]</c>: what this machine and install are (as <c>yolo checks</c> and PyTorch's
/// <c>collect_env</c> print), what the engine chose and why, and whether oneDNN's native kernels compute correct
/// convolutions here, judged in a child process with the native instruction set (a wrong kernel can kill its process).
/// </summary>
internal static class ChecksCommand
{
    /// <summary>The hidden option that makes the process the self-test child.</summary>
    public const string ChildOption = "--kernel-self-test-child";

    private const int ChildTimeoutSeconds = 180;

    private static readonly string[] IsaFlags =
    [
        "sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_vnni",
        "avx512_bf16", "avx512_fp16", "avx512_vp2intersect", "avx_vnni", "amx_tile", "amx_bf16", "amx_int8", "topoext", "hypervisor",
    ];

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var child = new Option<bool>(ChildOption) { Hidden = true };
        var skipSelfTest = new Option<bool>("--no-self-test") { Description = "Skip the numerical self-test of oneDNN's native kernels" };
        var command = new Command("checks", "Versions, CPU, caches, oneDNN's cap and why, threads, malloc, libstdc++ patch, CUDA, fonts and codecs, and a self-test of oneDNN's native kernels")
        {
            json, child, skipSelfTest,
        };
        command.SetAction(r => CommandRunner.RunWithEngine("checks", () => r.GetValue(child) ? RunChild() : Execute(r.GetValue(json), !r.GetValue(skipSelfTest))));
        return command;
    }

    private static int RunChild()
    {
        var result = KernelSelfTest.Run();
        var cases = new JsonArray([.. result.Cases.Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c.Name, ["forward_error"] = c.ForwardError, ["weight_grad_error"] = c.WeightGradError,
        })]);
        Console.WriteLine(new JsonObject { ["correct"] = result.Correct, ["tolerance"] = result.Tolerance, ["cases"] = cases }.ToJsonString());
        return 0;
    }

    private static int Execute(bool asJson, bool selfTest)
    {
        var report = Collect(selfTest);
        Console.WriteLine(asJson ? report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) : AsText(report));
        return 0;
    }

    /// <summary>Everything <c>checks</c> prints, as one object.</summary>
    public static JsonObject Collect(bool selfTest)
    {
        var engine = TorchEngine.EnsureInitialized();
        var caches = CpuCaches.Current();
        return new JsonObject
        {
            ["versions"] = new JsonObject
            {
                ["ssdlite"] = Version(typeof(ChecksCommand).Assembly),
                ["torchsharp"] = Version(typeof(torch).Assembly),
                ["libtorch"] = torch.__version__,
                ["onnxruntime"] = Version(typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly),
                ["dotnet"] = RuntimeInformation.FrameworkDescription,
                ["os"] = RuntimeInformation.OSDescription,
                ["architecture"] = RuntimeInformation.ProcessArchitecture.ToString(),
            },
            ["cpu"] = new JsonObject
            {
                ["model"] = CpuInfoField("model name"),
                ["vendor"] = caches?.Vendor,
                ["cores"] = Environment.ProcessorCount,
                ["isa_flags"] = new JsonArray([.. CpuFlags().Where(IsaFlags.Contains).Select(f => (JsonNode)f)]),
                ["cache_leaf"] = caches?.Leaf is { } leaf ? $"0x{leaf:X}" : null,
                ["caches"] = new JsonArray([.. (caches?.Caches ?? []).Select(c => (JsonNode)new JsonObject
                {
                    ["level"] = c.Level, ["type"] = c.Type.ToString().ToLowerInvariant(), ["bytes"] = c.SizeBytes, ["shared_by"] = c.LogicalProcessorsSharing,
                })]),
                ["hides_data_caches"] = caches?.HidesDataCaches,
                ["legacy_l3_bytes"] = caches?.LegacyL3Bytes,
            },
            ["onednn"] = new JsonObject
            {
                ["cap"] = engine.OneDnnIsaCap,
                ["reason"] = engine.OneDnnIsaReason,
                ["variable"] = Environment.GetEnvironmentVariable(OneDnnIsa.Variable),
            },
            ["threads"] = new JsonObject { ["torch"] = torch.get_num_threads(), ["ssdlite_num_threads"] = Environment.GetEnvironmentVariable("SSDLITE_NUM_THREADS") },
            ["malloc"] = OperatingSystem.IsLinux()
                ? new JsonObject { ["mmap_max"] = 0, ["trim_threshold"] = GlibcMalloc.TrimThreshold, ["top_pad"] = GlibcMalloc.TopPad }
                : null,
            ["libstdcxx_patch"] = new JsonObject
            {
                ["applied"] = engine.LibStdCxxFixApplied,
                ["weakened"] = new JsonArray([.. engine.WeakenedVersions.Select(v => (JsonNode)v)]),
                ["libtorchsharp"] = engine.LibTorchSharpPath,
            },
            ["cuda"] = new JsonObject { ["available"] = torch.cuda.is_available(), ["devices"] = torch.cuda.is_available() ? torch.cuda.device_count() : 0 },
            ["vision"] = VisionCheck(),
            ["self_test"] = selfTest ? SelfTest(engine) : null,
        };
    }

    // A PNG and a JPEG encoded and decoded again, and whether a label font was found.
    private static JsonObject VisionCheck()
    {
        var rgb = new byte[16 * 8 * 3];
        for (var i = 0; i < rgb.Length; i++) rgb[i] = (byte)(i * 13);
        var image = Image.FromRgb(16, 8, rgb);
        var codecs = new JsonObject();
        foreach (var extension in new[] { ".png", ".jpg", ".webp" })
        {
            try
            {
                var back = ImageIO.Decode(ImageIO.Encode(image, extension));
                codecs[extension.TrimStart('.')] = back.Width == 16 && back.Height == 8 ? "ok" : $"decoded as {back.Width}x{back.Height}";
            }
            catch (Exception e) when (e is ImageException or ArgumentException or NotSupportedException)
            {
                codecs[extension.TrimStart('.')] = $"failed: {e.Message}";
            }
        }
        return new JsonObject { ["codecs"] = codecs, ["label_font"] = PixelFont.Default.Source };
    }

    // The native-ISA child: ONEDNN_MAX_CPU_ISA=ALL (kept by the engine as the user's choice) lifts any cap.
    private static JsonObject SelfTest(EngineReport engine)
    {
        var (file, prefix) = Environment.ProcessPath is { } self && !Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.Ordinal)
            ? (self, "")
            : ("dotnet", $"\"{typeof(ChecksCommand).Assembly.Location}\" ");
        var info = new ProcessStartInfo(file, $"{prefix}checks {ChildOption}") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment[OneDnnIsa.Variable] = "ALL";
        info.Environment.Remove("DNNL_MAX_CPU_ISA");
        using var child = Process.Start(info) ?? throw new InvalidOperationException("could not start the self-test child");
        var stdout = child.StandardOutput.ReadToEndAsync();
        var stderr = child.StandardError.ReadToEndAsync();
        var finished = child.WaitForExit(TimeSpan.FromSeconds(ChildTimeoutSeconds));
        if (!finished) child.Kill(entireProcessTree: true);
        child.WaitForExit();
        var result = new JsonObject { ["isa"] = "native (ONEDNN_MAX_CPU_ISA=ALL)", ["exit_code"] = finished ? child.ExitCode : null };
        bool? correct = null;
        var lastLine = stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        if (finished && child.ExitCode == 0 && lastLine.StartsWith('{') && JsonNode.Parse(lastLine) is JsonObject found)
        {
            correct = found["correct"]!.GetValue<bool>();
            result["cases"] = found["cases"]!.DeepClone();
            result["tolerance"] = found["tolerance"]!.DeepClone();
        }
        else
        {
            correct = false;
            result["failure"] = finished
                ? $"the child died with exit code {child.ExitCode} (134 SIGABRT, 136 SIGFPE): {stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()}"
                : $"the child did not finish in {ChildTimeoutSeconds} s";
        }
        result["native_kernels_correct"] = correct;
        var capped = engine.OneDnnIsaCap is not null;
        result["verdict"] = (correct, capped) switch
        {
            (true, false) => "native kernels correct here; the engine runs them",
            (true, true) => $"native kernels correct here, yet the engine caps at {engine.OneDnnIsaCap}: {engine.OneDnnIsaReason}",
            (_, true) => $"wrong without the cap: native kernels are wrong here, and the engine caps at {engine.OneDnnIsaCap}",
            _ => "native kernels are wrong here and the engine does not cap them: set ONEDNN_MAX_CPU_ISA=AVX and report this machine",
        };
        result["engine_choice"] = engine.OneDnnIsaCap is { } cap ? $"{cap}: {engine.OneDnnIsaReason}" : $"native: {engine.OneDnnIsaReason}";
        return result;
    }

    private static string AsText(JsonObject report)
    {
        var lines = new List<string>();
        void Walk(string prefix, JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (key, value) in o) Walk(prefix.Length == 0 ? key : $"{prefix}.{key}", value);
                    break;
                case JsonArray a when a.All(x => x is JsonValue):
                    lines.Add($"{prefix}: {string.Join(", ", a.Select(x => x!.ToString()))}");
                    break;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++) Walk($"{prefix}[{i}]", a[i]);
                    break;
                default:
                    lines.Add($"{prefix}: {node?.ToString() ?? "-"}");
                    break;
            }
        }
        Walk("", report);
        return string.Join(Environment.NewLine, lines);
    }

    private static string Version(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? assembly.GetName().Version?.ToString() ?? "unknown";

    private static string? CpuInfoField(string name)
    {
        const string CpuInfo = "/proc/cpuinfo";
        if (!File.Exists(CpuInfo)) return null;
        var line = File.ReadLines(CpuInfo).FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
        return line?[(line.IndexOf(':') + 1)..].Trim();
    }

    private static IEnumerable<string> CpuFlags() => (CpuInfoField("flags") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
