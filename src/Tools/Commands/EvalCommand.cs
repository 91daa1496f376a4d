using System.CommandLine;
using SsdLite.Detection;
using SsdLite.Detection.Models;
using SsdLite.Tools.Evaluation;
using SsdLite.Vision;

namespace SsdLite.Tools.Commands;

/// <summary><c>ssdlite eval --weights FILE [--runtime torch|onnx] --data DIR [--split test] [--labels FILE] [--metric voc07|voc12] [--json FILE]</c>.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var weights = new Option<string>("--weights") { Description = "An SsdLite checkpoint or a reference PyTorch .pth", Required = true };
        var data = new Option<string>("--data") { Description = "VOC root to evaluate on", Required = true };
        var split = new Option<string>("--split") { Description = "ImageSets/Main split", DefaultValueFactory = _ => "test" };
        var labels = new Option<string?>("--labels") { Description = "Labels file (required for a .pth; overrides a checkpoint's names)" };
        var metric = new Option<string>("--metric") { Description = "voc07 (11-point) or voc12 (area under the curve)", DefaultValueFactory = _ => "voc07" };
        metric.AcceptOnlyFromAmong("voc07", "voc12");
        var json = new Option<string?>("--json") { Description = "Write {metric, iou_threshold, mAP, per_class, images} here" };
        var plots = new Option<string?>("--plots") { Description = "Folder for the precision-recall curves (pr_curves.png)" };
        var device = new Option<string>("--device") { Description = "cpu or cuda", DefaultValueFactory = _ => "cpu" };
        var arch = ArchOption.Create("Architecture of a reference .pth whose keys do not tell it");
        var runtime = SsdLite.Tools.Detect.DetectorRuntimes.Option();
        var command = new Command("eval", "Evaluate a detector on a VOC split: AP per class and mAP@0.5 (VOC devkit rules)")
        {
            weights, data, split, labels, metric, json, plots, device, arch, runtime,
        };
        command.SetAction(r => CommandRunner.Run("eval", () => Execute(r.GetValue(weights)!, r.GetValue(data)!, r.GetValue(split)!,
            r.GetValue(labels), r.GetValue(metric)!, r.GetValue(json), r.GetValue(plots), r.GetValue(device)!, ArchOption.Value(r, arch),
            SsdLite.Tools.Detect.DetectorRuntimes.Parse(r.GetValue(runtime)!))));
        return command;
    }

    private static int Execute(string weights, string data, string split, string? labels, string metric, string? json, string? plots, string device,
        SsdArch? arch, SsdLite.Tools.Detect.DetectorRuntime runtime)
    {
        using var detector = SsdLite.Tools.Detect.DetectorRuntimes.Open(runtime, weights, LabelFile.Read(labels), device, arch);
        var report = EvalRunner.Run(detector, data, split, metric == "voc12" ? VocMetric.Voc12 : VocMetric.Voc07);
        EvalRunner.Print(report);
        if (json is not null)
        {
            WriteAll(json, report.ToJson());
            Console.WriteLine($"eval: wrote {json}");
        }
        if (plots is not null) Console.WriteLine($"eval: precision-recall curves in {EvalRunner.WritePlot(report, plots)}");
        return 0;
    }

    internal static void WriteAll(string path, string text) => AtomicFile.WriteAllText(path, text);
}

/// <summary>The optional --labels file as the names a detector takes.</summary>
internal static class LabelFile
{
    public static IReadOnlyList<string>? Read(string? path) => path is null ? null : SsdLite.Data.Labels.Load(path).Names;
}
