using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using SsdLite.Data;
using SsdLite.Detection;
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

/// <summary>Runs a detector over one split of a VOC root and scores it (reference evaluation settings).</summary>
public static class EvalRunner
{
    public static EvalReport Run(IObjectDetector detector, string dataRoot, string split, VocMetric metric, int batchSize = 16)
    {
        if (!Directory.Exists(dataRoot)) throw new DirectoryNotFoundException($"data folder not found: {dataRoot}");
        var names = detector.ClassNames;
        var labels = Labels.FromNames(names, "the checkpoint's classes");
        var check = new DataCheckOptions { Log = Console.Error };
        var dataset = VocDataset.Open([dataRoot], split, labels, keepDifficult: true, check);
        if (dataset.Count == 0) throw new InvalidDataException($"{dataRoot}: split '{split}' has no usable images");
        // The reference's evaluation settings: threshold 0.01, 200 candidates per class, no top-k.
        detector.PostProcessor = ClassLabels.PostProcessorFor(detector, 0.01f);
        var evaluator = new VocEvaluator();
        var curves = new PrCurves();
        for (var start = 0; start < dataset.Count; start += batchSize)
        {
            var batch = Enumerable.Range(start, Math.Min(batchSize, dataset.Count - start)).Select(i => dataset[i]).ToList();
            var found = detector.Detect(batch.Select(s => ImageIO.Read(s.ImagePath)).ToList());
            for (var i = 0; i < batch.Count; i++)
            {
                var truth = ModelEvaluation.GroundTruth(batch[i]).ToList();
                evaluator.AddImage(truth, found[i]);
                curves.AddImage(truth, found[i]);
            }
        }
        var result = evaluator.Evaluate(metric);
        var prCurves = result.AveragePrecision.Keys.Select(c => curves.Curve(c, names[c - 1])).ToList();
        return new EvalReport(result, names, prCurves);
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
