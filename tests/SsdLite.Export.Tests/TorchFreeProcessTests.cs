using System.Diagnostics;
using System.Text.Json;
using SsdLite.Detection;
using SsdLite.Runtime;
using SsdLite.Vision;

namespace SsdLite.Export.Tests;

/// <summary>
/// An application that references SsdLite.Runtime alone (samples/OnnxDetect) serves an exported model: its output
/// folder holds no libtorch and no TorchSharp, and its process maps ONNX Runtime and nothing named torch, while its
/// detections equal the TorchSharp detector's.
/// </summary>
public sealed class TorchFreeProcessTests
{
    [Fact]
    public void ExportedModelRunsInAProcessWithoutLibtorch()
    {
        if (!OperatingSystem.IsLinux()) return; // /proc/self/maps is how the child tells what it loaded
        var sample = SampleAssembly();
        var folder = Path.GetDirectoryName(sample)!;
        Assert.Empty(Directory.GetFiles(folder, "*torch*", SearchOption.AllDirectories));
        Assert.True(File.Exists(Path.Combine(folder, "libonnxruntime.so")), "the sample carries ONNX Runtime's native library");

        using var temp = new TempFolder("torch-free");
        var labels = TestFiles.C7Labels();
        var model = Detector.LoadModel(TestFiles.Oracle("trained-c7.pth"), labels);
        OnnxExporter.Export(model, temp["c7.onnx"]);
        using var torchDetector = new Detector(model);
        torchDetector.PostProcessor = ClassLabels.PostProcessorFor(torchDetector, 0.1f);
        var expected = torchDetector.Detect(ImageIO.Read(TestFiles.Oracle("image.jpg")));

        var (code, output, error) = RunChild(sample, temp["c7.onnx"], TestFiles.Oracle("image.jpg"), "0.1");
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        var libraries = doc.RootElement.GetProperty("native_libraries").EnumerateArray().Select(v => v.GetString()!).ToList();
        Assert.Contains(libraries, l => Path.GetFileName(l) == "libonnxruntime.so");
        Assert.DoesNotContain(libraries, l => l.Contains("torch", StringComparison.OrdinalIgnoreCase));

        var found = doc.RootElement.GetProperty("detections").EnumerateArray().ToList();
        Assert.Equal(expected.Count, found.Count);
        Assert.True(found.Count >= 12, $"{found.Count} detections above 0.1");
        for (var i = 0; i < found.Count; i++)
        {
            Assert.Equal(expected[i].Label, found[i].GetProperty("label").GetString());
            Assert.True(Math.Abs(expected[i].Score - found[i].GetProperty("score").GetSingle()) <= 1e-5, $"detection {i} score");
        }
    }

    [Fact]
    public void TheChildNamesAMissingModelAndFails()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.onnx");
        var (code, _, error) = RunChild(SampleAssembly(), missing, TestFiles.Oracle("image.jpg"));
        Assert.Equal(1, code);
        Assert.Contains(missing, error);
    }

    // Built beside this project by its ProjectReference (ReferenceOutputAssembly=false): samples/OnnxDetect/bin/<config>/<tfm>/.
    private static string SampleAssembly()
    {
        var testDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var (tfm, configuration) = (testDir.Name, testDir.Parent!.Name);
        var repo = testDir.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
        var path = Path.Combine(repo, "samples", "OnnxDetect", "bin", configuration, tfm, "ssdlite-onnx-detect.dll");
        Assert.True(File.Exists(path), $"sample not built: {path}");
        return path;
    }

    private static (int Code, string Output, string Error) RunChild(string assembly, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "the child did not finish in 60 s");
        return (process.ExitCode, output.Result, error.Result);
    }
}
