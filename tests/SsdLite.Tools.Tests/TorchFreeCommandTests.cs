using System.Diagnostics;
using System.Text.Json;
using SsdLite.Detection;
using SsdLite.Export;

namespace SsdLite.Tools.Tests;

/// <summary>
/// The commands that need no tensor (synth, convert, and detect and eval on an ONNX model) run from a copy of the
/// console's output with every libtorch and TorchSharp native library removed, and answer exactly as the full
/// console does. A process that reached for libtorch would fail to load it there, as the control run shows.
/// </summary>
public sealed class TorchFreeCommandTests : IClassFixture<TorchFreeCommandTests.Console>
{
    private readonly Console console;

    public TorchFreeCommandTests(Console console) => this.console = console;

    [Fact]
    public void TheCopyHasNoTorchNativesAndTheTorchRuntimeFailsThere()
    {
        Assert.Empty(Directory.GetFiles(console.TorchFree, "*torch*.so*"));
        Assert.Empty(Directory.GetFiles(console.TorchFree, "libc10*"));
        Assert.True(File.Exists(Path.Combine(console.TorchFree, "libonnxruntime.so")), "ONNX Runtime's native library is kept");
        var run = Console.Run(console.TorchFree, "detect", "--weights", TestData.Oracle("trained-c7.pth"), "--labels",
            TestData.Oracle("labels-c7.txt"), TestData.Oracle("image.jpg"));
        Assert.NotEqual(0, run.Code);
        Assert.Contains("torch", run.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void DetectOnAnOnnxModelAnswersAsTheFullConsole()
    {
        using var temp = new TempFolder("torch-free-detect");
        string[] args(string json) => ["detect", "--runtime", "onnx", "--weights", console.Model, "--score-threshold", "0.1", "--json", json,
            TestData.Oracle("image.jpg"), Path.Combine(console.Data, "JPEGImages")];
        var free = Console.Run(console.TorchFree, args(temp["free.json"]));
        Assert.True(free.Code == 0, free.Error);
        var full = Console.Run(AppContext.BaseDirectory, args(temp["full.json"]));
        Assert.True(full.Code == 0, full.Error);
        var text = File.ReadAllText(temp["free.json"]);
        Assert.Equal(File.ReadAllText(temp["full.json"]), text);
        using var doc = JsonDocument.Parse(text);
        Assert.True(doc.RootElement.GetArrayLength() > 1);
        Assert.True(doc.RootElement[0].GetProperty("detections").GetArrayLength() > 0, "the oracle image has detections above 0.1");
    }

    [Theory]
    [InlineData("voc07")]
    [InlineData("coco")]
    public void EvalOnAnOnnxModelAnswersAsTheFullConsole(string metric)
    {
        using var temp = new TempFolder("torch-free-eval");
        var data = metric == "coco" ? console.Coco : console.Data;
        string[] args(string json) => ["eval", "--runtime", "onnx", "--weights", console.Model, "--data", data, "--metric", metric, "--json", json];
        var free = Console.Run(console.TorchFree, args(temp["free.json"]));
        Assert.True(free.Code == 0, free.Error);
        var full = Console.Run(AppContext.BaseDirectory, args(temp["full.json"]));
        Assert.True(full.Code == 0, full.Error);
        Assert.Equal(File.ReadAllText(temp["full.json"]), File.ReadAllText(temp["free.json"]));
    }

    [Fact]
    public void SynthAndConvertRunWithoutLibtorch()
    {
        using var temp = new TempFolder("torch-free-convert");
        var synth = Console.Run(console.TorchFree, "synth", "--out", temp["voc"], "--images", "5", "--size", "64", "--seed", "3");
        Assert.True(synth.Code == 0, synth.Error);
        var convert = Console.Run(console.TorchFree, "convert", "--data", temp["voc"], "--to", "yolo", "--split", "test", "--out", temp["yolo"]);
        Assert.True(convert.Code == 0, convert.Error);
        var ids = File.ReadAllLines(Path.Combine(temp["voc"], "ImageSets", "Main", "test.txt")).Where(l => l.Trim().Length > 0).ToList();
        var objects = ids.Sum(id => File.ReadAllText(Path.Combine(temp["voc"], "Annotations", $"{id.Trim()}.xml")).Split("<object>").Length - 1);
        var lines = Directory.GetFiles(Path.Combine(temp["yolo"], "labels", "test"), "*.txt").Sum(f => File.ReadAllLines(f).Count(l => l.Trim().Length > 0));
        Assert.True(objects > 0);
        Assert.Equal(objects, lines);
    }

    /// <summary>The copied console, an ONNX export of the oracle detector, and a small VOC set with its COCO form.</summary>
    public sealed class Console : IDisposable
    {
        private static readonly string[] KeptNatives = ["libonnxruntime", "libSkiaSharp", "libHarfBuzzSharp"];
        private readonly TempFolder folder = new("torch-free");

        public Console()
        {
            TorchFree = folder["bin"];
            Directory.CreateDirectory(TorchFree);
            foreach (var file in Directory.GetFiles(AppContext.BaseDirectory))
            {
                var name = Path.GetFileName(file);
                // Every native library but ONNX Runtime's and SkiaSharp's: libtorch, c10, LibTorchSharp, gomp, ...
                if (name.Contains(".so", StringComparison.Ordinal) && !KeptNatives.Any(k => name.StartsWith(k, StringComparison.Ordinal))) continue;
                File.Copy(file, Path.Combine(TorchFree, name));
            }
            Model = folder["c7.onnx"];
            var labels = File.ReadAllLines(TestData.Oracle("labels-c7.txt")).Skip(1).Where(l => l.Trim().Length > 0).ToList();
            using (var model = Detector.LoadModel(TestData.Oracle("trained-c7.pth"), labels)) OnnxExporter.Export(model, Model);
            Data = TestData.Tiny(folder, images: 12, side: 96, seed: 8);
            var convert = Run(AppContext.BaseDirectory, "convert", "--data", Data, "--to", "coco", "--out", folder["coco"]);
            Assert.True(convert.Code == 0, convert.Error);
            Coco = Path.Combine(folder["coco"], "test.json");
        }

        public string TorchFree { get; }

        public string Model { get; }

        public string Data { get; }

        public string Coco { get; }

        public void Dispose() => folder.Dispose();

        public static (int Code, string Output, string Error) Run(string bin, params string[] args)
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(Path.Combine(bin, "ssdlite.dll"));
            foreach (var a in args) start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(120_000), $"ssdlite {string.Join(' ', args)} did not finish in 120 s");
            return (process.ExitCode, output.Result, error.Result);
        }
    }
}
