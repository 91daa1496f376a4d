using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using SsdLite.Core.Evaluation;
using SsdLite.Data;
using SsdLite.Data.Coco;
using SsdLite.Runtime;
using SsdLite.Tools.Training;
using SsdLite.Vision;

namespace SsdLite.Tools.Evaluation;

/// <summary>What an evaluation found: the devkit result plus class names for reporting.</summary>
public sealed record EvalReport(VocResult Result, IReadOnlyList<string> ClassNames, IReadOnlyList<PrCurve> Curves)
{
    public string NameOf(int classId) => ClassNames[classId - 1];

    /// <summary><c>{"metric", "iou_threshold", "mAP", "per_class": {NAME: AP}, "images"}</c>, as ARCHITECTURE.md fixes it.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("metric", Result.Metric == VocMetric.Voc07 ? "voc07" : "voc12");
            w.WriteNumber("iou_threshold", Math.Round(Result.IouThreshold, 4));
            w.WriteNumber("mAP", Result.MeanAveragePrecision);
            w.WriteStartObject("per_class");
            foreach (var (classId, ap) in Result.AveragePrecision) w.WriteNumber(NameOf(classId), ap);
            w.WriteEndObject();
            w.WriteNumber("images", Result.ImageCount);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}

/// <summary>Where <c>eval</c> reads its data: a VOC root, a COCO file or a YOLO data.yaml, and the split.</summary>
/// <param name="Path">The dataset (see <see cref="DetectionDatasets.Detect"/>).</param>
/// <param name="Split">VOC: the ImageSets/Main split; YOLO: train, val or test; COCO: not used (a file is a split).</param>
/// <param name="Format">The format; null tells it from the path.</param>
/// <param name="Images">COCO only: the folder file_name is relative to.</param>
public sealed record EvalData(string Path, string Split, DatasetFormat? Format = null, string? Images = null);

/// <summary>Runs a detector over one split of a dataset and scores it (reference evaluation settings).</summary>
public static class EvalRunner
{
    public static EvalReport Run(IObjectDetector detector, string dataRoot, string split, VocMetric metric, int batchSize = 16) =>
        Run(detector, new EvalData(dataRoot, split, DatasetFormat.Voc), metric, batchSize);

    /// <summary>VOC AP per class and mAP@0.5 on any format's data (COCO crowd objects count as difficult).</summary>
    public static EvalReport Run(IObjectDetector detector, EvalData data, VocMetric metric, int batchSize = 16)
    {
        var (dataset, found) = DetectAll(detector, data, batchSize);
        var names = detector.ClassNames;
        var evaluator = new VocEvaluator();
        var curves = new PrCurves();
        for (var i = 0; i < dataset.Count; i++)
        {
            var truth = ModelEvaluation.GroundTruth(dataset[i]).ToList();
            evaluator.AddImage(truth, found[i]);
            curves.AddImage(truth, found[i]);
        }
        var result = evaluator.Evaluate(metric);
        var prCurves = result.AveragePrecision.Keys.Select(c => curves.Curve(c, names[c - 1])).ToList();
        return new EvalReport(result, names, prCurves);
    }

    /// <summary>
    /// COCO's twelve numbers on any format's data (VOC difficult objects count as crowd, VOC and YOLO areas are box
    /// areas). With <paramref name="resultsPath"/>, the detections are also written in COCO's results format, with the
    /// COCO file's own image and category ids when the data is COCO.
    /// </summary>
    public static CocoEvalReport RunCoco(IObjectDetector detector, EvalData data, string? resultsPath = null, int batchSize = 16)
    {
        var (dataset, found) = DetectAll(detector, data, batchSize);
        var names = detector.ClassNames;
        var imageIds = CocoWriter.ImageIds(dataset);
        var evaluator = new CocoEvaluator(Enumerable.Range(1, names.Count));
        long annotationId = 1;
        for (var i = 0; i < dataset.Count; i++)
        {
            var truths = dataset[i].Objects.Select(o => CocoTruth(o, annotationId++)).ToList();
            var detections = found[i].Select(d =>
            {
                var b = CocoResultsJson.Xywh(d.Box);
                return new CocoDetection(d.ClassId, b[0], b[1], b[2], b[3], d.Score);
            });
            evaluator.AddImage(imageIds[i], truths, detections);
        }
        if (resultsPath is not null)
        {
            var categoryOf = CategoryMap(data, names);
            var entries = imageIds.Select((id, i) => new CocoResultsJson.Entry(id, found[i]));
            AtomicFile.WriteAllText(resultsPath, CocoResultsJson.ToJson(entries, categoryOf));
        }
        return new CocoEvalReport(evaluator.Evaluate(), names);
    }

    private static CocoGroundTruth CocoTruth(SsdLite.Data.AnnotatedObject o, long id)
    {
        double width = (double)o.Box.XMax - o.Box.XMin, height = (double)o.Box.YMax - o.Box.YMin;
        return new CocoGroundTruth(id, o.ClassId, o.Box.XMin, o.Box.YMin, width, height, o.Area ?? (width * height), o.Difficult);
    }

    private static Func<int, long> CategoryMap(EvalData data, IReadOnlyList<string> names)
    {
        var format = data.Format ?? DetectionDatasets.Detect(data.Path);
        if (format != DatasetFormat.Coco) return classId => classId;
        var ids = CocoReader.CategoryIds(data.Path);
        return classId => ids.TryGetValue(names[classId - 1], out long id) ? id : classId;
    }

    /// <summary>Opens the data under the detector's classes and runs the detector over every usable image.</summary>
    private static (DetectionDataset Dataset, IReadOnlyList<IReadOnlyList<DetectedObject>> Found) DetectAll(IObjectDetector detector, EvalData data, int batchSize)
    {
        if (!Directory.Exists(data.Path) && !File.Exists(data.Path)) throw new FileNotFoundException($"data not found: {data.Path}", data.Path);
        var labels = Labels.FromNames(detector.ClassNames, "the checkpoint's classes");
        var check = new DataCheckOptions { Log = Console.Error };
        var dataset = DetectionDatasets.Open([data.Path], data.Format, data.Split, labels, keepDifficult: true, check, data.Images);
        if (dataset.Count == 0) throw new InvalidDataException($"{data.Path}: split '{data.Split}' has no usable images");
        // The reference's evaluation settings: threshold 0.01, 200 candidates per class, no top-k.
        detector.PostProcessor = ClassLabels.PostProcessorFor(detector, 0.01f);
        var found = new List<IReadOnlyList<DetectedObject>>(dataset.Count);
        for (var start = 0; start < dataset.Count; start += batchSize)
        {
            var batch = Enumerable.Range(start, Math.Min(batchSize, dataset.Count - start)).Select(i => dataset[i]).ToList();
            found.AddRange(detector.Detect(batch.Select(s => ImageIO.Read(s.ImagePath)).ToList()));
        }
        return (dataset, found);
    }

    /// <summary>The per-class table and the mAP line.</summary>
    public static void Print(EvalReport report)
    {
        var table = new Table().AddColumn("class").AddColumn(new TableColumn("AP").RightAligned());
        foreach (var (classId, ap) in report.Result.AveragePrecision)
            table.AddRow(Markup.Escape(report.NameOf(classId)), ap.ToString("F4", CultureInfo.InvariantCulture));
        table.AddRow("[bold]mAP[/]", $"[bold]{report.Result.MeanAveragePrecision.ToString("F4", CultureInfo.InvariantCulture)}[/]");
        AnsiConsole.Write(table);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"eval: {report.Result.Metric.ToString().ToLowerInvariant()} mAP@{report.Result.IouThreshold:0.##} = {report.Result.MeanAveragePrecision:F4} over {report.Result.ImageCount} images"));
    }

    public static string WritePlot(EvalReport report, string folder)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "pr_curves.png");
        var title = string.Create(CultureInfo.InvariantCulture, $"precision-recall, mAP@0.5 {report.Result.MeanAveragePrecision:F3}");
        var ap = report.Result.AveragePrecision.ToDictionary(kv => report.NameOf(kv.Key), kv => kv.Value);
        Plots.PrCurvesPlot.Write(path, report.Curves, ap, title);
        return path;
    }
}
