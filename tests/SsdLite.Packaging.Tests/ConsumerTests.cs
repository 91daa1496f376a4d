using System.Globalization;
using Xunit.Abstractions;

namespace SsdLite.Packaging.Tests;

/// <summary>
/// The three ways a .NET developer uses SsdLite, each built outside the repository from the local feed: a torch-free
/// app on SsdLite.Runtime, a training app on SsdLite-cpu, and the ssdlite tool.
/// </summary>
[Collection(PackagingCollection.Name)]
public sealed class ConsumerTests(PackageFeed feed, ITestOutputHelper log)
{
    private const string Threshold = "0.001";
    private const string TopK = "2";

    [Fact]
    public void TheInstalledToolSynthesizesTrainsExportsAndDetects()
    {
        var tool = feed.Tool;
        tool.Install.EnsureSuccess();
        tool.Synth!.EnsureSuccess();
        tool.Train!.EnsureSuccess();
        tool.Export!.EnsureSuccess();
        Assert.True(File.Exists(tool.Checkpoint), tool.Checkpoint);
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(tool.Onnx)!, "labels.txt")));
        var folder = feed.NewFolder("tool-detect");
        foreach (var runtime in new[] { "torch", "onnx" })
        {
            var json = Path.Combine(folder, $"{runtime}.json");
            var weights = runtime == "torch" ? tool.Checkpoint : tool.Onnx;
            tool.Ssdlite(folder, "detect", "--runtime", runtime, "--weights", weights, "--score-threshold", Threshold, "--top-k", TopK,
                "--json", json, tool.Image).EnsureSuccess();
            Assert.NotEmpty(Detection.FromJson(json));
        }
        log.WriteLine($"install {tool.Install.Elapsed.TotalSeconds:F1} s, train {tool.Train.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void TheEngineSetUpWorksFromTheToolsInstallFolder()
    {
        Assert.True(OperatingSystem.IsLinux(), "the tool package tested here is linux-x64's");
        var tool = feed.Tool;
        tool.Train!.EnsureSuccess();
        // TorchSharp's natives land beside ssdlite.dll in the platform package's folder under the install path.
        var store = Path.Combine(tool.ToolPath, ".store");
        var assembly = Assert.Single(Directory.GetFiles(store, "ssdlite.dll", SearchOption.AllDirectories));
        var folder = Path.GetDirectoryName(assembly)!;
        foreach (var native in new[] { "libLibTorchSharp.so", "libtorch_cpu.so", "libc10.so" })
            Assert.True(File.Exists(Path.Combine(folder, native)), $"{native} not in {folder}");
        // Where the system's libstdc++ lacks GLIBCXX_3.4.32 (Debian 12, Ubuntu 22.04), training could only run with the
        // engine's patched copy, which lives in a sealed memory file: nothing is written under the tool process's
        // XDG_CACHE_HOME, on any system.
        var patched = Directory.Exists(tool.CacheHome)
            ? Directory.GetFiles(tool.CacheHome, "libLibTorchSharp.so", SearchOption.AllDirectories)
            : [];
        Assert.Empty(patched);
    }

    [Fact]
    public void ARuntimeOnlyAppDetectsWithAnExportedModelAndCarriesNoTorch()
    {
        var tool = feed.Tool;
        tool.Export!.EnsureSuccess();
        var app = feed.CopyApp("RuntimeOnly");
        var output = Path.Combine(app, "out");
        feed.Dotnet(app, "build", "-c", "Release", $"-p:SsdLiteVersion={feed.Version}", "-o", output).EnsureSuccess();
        var run = feed.Dotnet(app, Path.Combine(output, "RuntimeOnly.dll"), tool.Onnx, tool.Image, Threshold, TopK).EnsureSuccess();
        var detections = Detection.FromLines(run.Output.Split('\n'));
        Assert.NotEmpty(detections);

        var json = Path.Combine(app, "tool.json");
        tool.Ssdlite(app, "detect", "--runtime", "onnx", "--weights", tool.Onnx, "--score-threshold", Threshold, "--top-k", TopK,
            "--batch-size", "1", "--json", json, tool.Image).EnsureSuccess();
        Detection.AssertSame(Detection.FromJson(json), detections);

        var files = Directory.GetFiles(output, "*", SearchOption.AllDirectories);
        Assert.DoesNotContain(files, f => Path.GetFileName(f).Contains("torch", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("TorchSharp", File.ReadAllText(Path.Combine(output, "RuntimeOnly.deps.json")), StringComparison.Ordinal);
        Assert.Contains(files, f => Path.GetFileName(f) == "libonnxruntime.so" || Path.GetFileName(f) == "onnxruntime.dll");
    }

    [Fact]
    public void ACpuBundleAppTrainsAndDetectsAsTheToolDoes()
    {
        var tool = feed.Tool;
        tool.Synth!.EnsureSuccess();
        var app = feed.CopyApp("CpuBundle");
        var output = Path.Combine(app, "out");
        feed.Dotnet(app, "build", "-c", "Release", $"-p:SsdLiteVersion={feed.Version}", "-o", output).EnsureSuccess();
        Assert.True(File.Exists(Path.Combine(output, "runtimes", "linux-x64", "native", "libtorch_cpu.so")) || !OperatingSystem.IsLinux(),
            "libtorch did not come with SsdLite-cpu");

        var checkpoint = Path.Combine(app, "model.ckpt");
        var run = feed.Dotnet(app, Path.Combine(output, "CpuBundle.dll"), tool.Data, checkpoint, tool.Image, Threshold, TopK).EnsureSuccess();
        var lines = run.Output.Split('\n').Select(l => l.Trim()).ToList();
        var engine = Assert.Single(lines, l => l.StartsWith("engine ", StringComparison.Ordinal)).Split(' ');
        Assert.True(File.Exists(engine[1]), $"the engine loaded {engine[1]}, which does not exist");
        var losses = lines.Where(l => l.StartsWith("loss ", StringComparison.Ordinal))
            .Select(l => double.Parse(l.Split(' ')[2], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(5, losses.Count);
        Assert.All(losses, l => Assert.True(double.IsFinite(l), $"loss {l}"));
        // Five SGD steps on one batch: the loss on that batch goes down.
        Assert.True(losses[^1] < losses[0], $"losses {string.Join(", ", losses)}");
        var detections = Detection.FromLines(lines.Where(l => !l.StartsWith("loss ", StringComparison.Ordinal) && !l.StartsWith("engine ", StringComparison.Ordinal)));
        Assert.NotEmpty(detections);

        var json = Path.Combine(app, "tool.json");
        tool.Ssdlite(app, "detect", "--weights", checkpoint, "--score-threshold", Threshold, "--top-k", TopK, "--batch-size", "1",
            "--json", json, tool.Image).EnsureSuccess();
        Detection.AssertSame(Detection.FromJson(json), detections);
    }

    [Fact]
    public void DotnetToolExecRunsTheToolWithoutInstallingIt()
    {
        var folder = feed.NewFolder("exec");
        var result = feed.Dotnet(feed.Workspace, "tool", "exec", $"ssdlite@{feed.Version}", "--add-source", feed.Feed, "--yes", "--",
            "synth", "--out", Path.Combine(folder, "data"), "--images", "4", "--size", "64");
        result.EnsureSuccess();
        Assert.True(File.Exists(Path.Combine(folder, "data", "labels.txt")), result.Output);
    }
}
