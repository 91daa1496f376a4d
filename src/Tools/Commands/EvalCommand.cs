using System.CommandLine;
using SsdLite.Core;
using SsdLite.Core.Evaluation;
using SsdLite.Data;
using SsdLite.Detection.Models;
using SsdLite.Tools.Evaluation;
using SsdLite.Tools.Models;
using SsdLite.Vision;

namespace SsdLite.Tools.Commands;

/// <summary>
/// <c>ssdlite eval --weights FILE [--runtime torch|onnx] --data PATH [--format voc|coco|yolo] [--images DIR] [--split test]
/// [--labels FILE] [--metric voc07|voc12|coco] [--json FILE] [--results FILE]</c>.
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var weights = new Option<string>("--weights") { Description = "An SsdLite checkpoint or a reference PyTorch .pth, or the name of published weights (ssdlite weights list)", Required = true };
        var data = new Option<string>("--data") { Description = "A VOC root, a COCO .json or a YOLO data.yaml (or its folder) to evaluate on", Required = true };
        var split = new Option<string>("--split") { Description = "VOC: ImageSets/Main split; YOLO: train, val or test (test falls back to val); COCO: unused", DefaultValueFactory = _ => "test" };
        var format = new Option<string?>("--format") { Description = "voc, coco or yolo (default: told by --data)" };
        format.AcceptOnlyFromAmong("voc", "coco", "yolo");
        var images = new Option<string?>("--images") { Description = "COCO: the folder file_name is relative to (default: the JSON file's folder)" };
        var results = new Option<string?>("--results") { Description = "With --metric coco: write the detections in COCO's results format here" };
        var labels = new Option<string?>("--labels") { Description = "Labels file (required for a .pth; overrides a checkpoint's names)" };
        var metric = new Option<string>("--metric") { Description = "voc07 (11-point), voc12 (area under the curve) or coco (pycocotools' twelve numbers)", DefaultValueFactory = _ => "voc07" };
        metric.AcceptOnlyFromAmong("voc07", "voc12", "coco");
        var json = new Option<string?>("--json") { Description = "Write {metric, iou_threshold, mAP, per_class, images} here" };
        var plots = new Option<string?>("--plots") { Description = "Folder for the precision-recall curves (pr_curves.png)" };
        var device = new Option<string>("--device") { Description = "cpu or cuda", DefaultValueFactory = _ => "cpu" };
        var arch = ArchOption.Create("Architecture of a reference .pth whose keys do not tell it");
        var runtime = SsdLite.Tools.Detect.DetectorRuntimes.Option();
        var maxPixels = MaxPixelsOption.Create();
        var command = new Command("eval", "Evaluate a detector on VOC, COCO or YOLO data: VOC AP per class and mAP@0.5, or COCO's AP@[.5:.95] and its eleven companions")
        {
            weights, data, format, images, split, labels, metric, json, results, plots, device, arch, runtime, maxPixels,
        };
        command.SetAction(r => MaxPixelsOption.Then(r, maxPixels, () => CommandRunner.Run("eval", () => Execute(Weights.WeightsResolver.Resolve(r.GetValue(weights)!),
            new EvalData(r.GetValue(data)!, r.GetValue(split)!, r.GetValue(format) is { } f ? DetectionDatasets.ParseFormat(f) : null, r.GetValue(images)),
            r.GetValue(labels), r.GetValue(metric)!, r.GetValue(json), r.GetValue(results), r.GetValue(plots), r.GetValue(device)!, ArchOption.Value(r, arch),
            SsdLite.Tools.Detect.DetectorRuntimes.Parse(r.GetValue(runtime)!)))));
        return command;
    }

    private static int Execute(string weights, EvalData data, string? labels, string metric, string? json, string? results, string? plots, string device,
        SsdArch? arch, SsdLite.Tools.Detect.DetectorRuntime runtime)
    {
        using var detector = ModelFile.Open(weights, labels, arch).Load(new DetectorRequest(runtime, device));
        if (metric == "coco") return ExecuteCoco(detector, data, json, results);
        if (results is not null) throw new ArgumentException("--results writes COCO results: use it with --metric coco");
        var report = EvalRunner.Run(detector, data, metric == "voc12" ? VocMetric.Voc12 : VocMetric.Voc07);
        EvalRunner.Print(report);
        if (json is not null)
        {
            WriteAll(json, report.ToJson());
            Console.WriteLine($"eval: wrote {json}");
        }
        if (plots is not null) Console.WriteLine($"eval: precision-recall curves in {EvalRunner.WritePlot(report, plots)}");
        return 0;
    }

    private static int ExecuteCoco(SsdLite.Runtime.IObjectDetector detector, EvalData data, string? json, string? results)
    {
        var report = EvalRunner.RunCoco(detector, data, results);
        report.Print();
        if (results is not null) Console.WriteLine($"eval: wrote the detections in COCO's results format to {results}");
        if (json is not null)
        {
            WriteAll(json, report.ToJson());
            Console.WriteLine($"eval: wrote {json}");
        }
        return 0;
    }

    internal static void WriteAll(string path, string text) => AtomicFile.WriteAllText(path, text);
}
