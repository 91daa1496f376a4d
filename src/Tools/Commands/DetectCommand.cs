using System.CommandLine;
using SsdLite.Detection;
using SsdLite.Tools.Detect;

namespace SsdLite.Tools.Commands;

/// <summary><c>ssdlite detect --weights FILE [--runtime torch|onnx] [--labels FILE] [--score-threshold X] [--top-k K] [--out DIR] [--json FILE] PATH ...</c>.</summary>
internal static class DetectCommand
{
    public static Command Create()
    {
        var weights = new Option<string>("--weights") { Description = "An SsdLite checkpoint or a reference PyTorch .pth", Required = true };
        var labels = new Option<string?>("--labels") { Description = "Labels file (required for a .pth)" };
        var threshold = new Option<float>("--score-threshold") { Description = "Keep detections scoring above this", DefaultValueFactory = _ => 0.4f };
        var topK = new Option<int>("--top-k") { Description = "At most this many detections per class and image (-1: no limit)", DefaultValueFactory = _ => -1 };
        var outDir = new Option<string?>("--out") { Description = "Folder for the images with drawn boxes, labels and scores" };
        var json = new Option<string?>("--json") { Description = "Write the detections as JSON (boxes in original pixels, sorted by score)" };
        var device = new Option<string>("--device") { Description = "cpu or cuda", DefaultValueFactory = _ => "cpu" };
        var arch = ArchOption.Create("Architecture of a reference .pth whose keys do not tell it");
        var runtime = DetectorRuntimes.Option();
        var paths = new Argument<string[]>("PATH") { Description = "Image files, folders or globs (*.jpg)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("detect", "Detect objects in images")
        {
            weights, labels, threshold, topK, outDir, json, device, arch, runtime, paths,
        };
        command.SetAction(r => CommandRunner.Run("detect", () => Execute(r.GetValue(weights)!, r.GetValue(labels), r.GetValue(threshold),
            r.GetValue(topK), r.GetValue(outDir), r.GetValue(json), r.GetValue(device)!, ArchOption.Value(r, arch), DetectorRuntimes.Parse(r.GetValue(runtime)!), r.GetValue(paths)!)));
        return command;
    }

    private static int Execute(string weights, string? labels, float threshold, int topK, string? outDir, string? json, string device,
        SsdArch? arch, DetectorRuntime runtime, string[] paths)
    {
        if (threshold is < 0 or >= 1) throw new ArgumentException($"--score-threshold must be in [0, 1), got {threshold}");
        var files = DetectRunner.ExpandPaths(paths);
        using var detector = DetectorRuntimes.Open(runtime, weights, LabelFile.Read(labels), device, arch);
        detector.PostProcessor = ClassLabels.PostProcessorFor(detector, threshold, topK: topK);
        var results = DetectRunner.Run(detector, files, outDir);
        foreach (var r in results)
        {
            var top = string.Join(", ", r.Detections.Take(5).Select(d => $"{d.Label} {d.Score:0.00}"));
            Console.WriteLine($"{r.Image}: {r.Detections.Count} objects{(top.Length > 0 ? " (" + top + ")" : "")}");
        }
        if (json is not null) EvalCommand.WriteAll(json, DetectRunner.ToJson(results));
        if (outDir is not null) Console.WriteLine($"detect: drawn images in {outDir}");
        if (json is not null) Console.WriteLine($"detect: wrote {json}");
        return 0;
    }
}
