using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using SsdLite.Core.Evaluation;

namespace SsdLite.Tools.Evaluation;

/// <summary>What <c>eval --metric coco</c> found: COCO's twelve numbers and AP per class, with the class names.</summary>
public sealed record CocoEvalReport(CocoResult Result, IReadOnlyList<string> ClassNames)
{
    /// <summary>
    /// <c>{"metric": "coco", "AP": …, "AP50": …, … "ARl": …, "per_class": {NAME: AP}, "images": N}</c>; a number COCO
    /// prints as -1 (nothing to average) is written as null.
    /// </summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("metric", "coco");
            for (int i = 0; i < CocoResult.StatNames.Count; i++)
            {
                if (Result.Stats[i] < 0) w.WriteNull(CocoResult.StatNames[i]);
                else w.WriteNumber(CocoResult.StatNames[i], Result.Stats[i]);
            }
            w.WriteStartObject("per_class");
            foreach (var (classId, ap) in Result.PerCategory) w.WriteNumber(ClassNames[classId - 1], ap);
            w.WriteEndObject();
            w.WriteNumber("images", Result.ImageCount);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The per-class table and COCO's summary lines, as pycocotools prints them.</summary>
    public void Print()
    {
        var table = new Table().AddColumn("class").AddColumn(new TableColumn(Markup.Escape("AP@[.5:.95]")).RightAligned());
        foreach (var (classId, ap) in Result.PerCategory)
            table.AddRow(Markup.Escape(ClassNames[classId - 1]), ap.ToString("F4", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        string[] lines =
        [
            "Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]",
            "Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ]",
            "Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ]",
            "Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ]",
            "Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ]",
            "Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ]",
            "Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ]",
            "Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ]",
            "Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]",
            "Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ]",
            "Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ]",
            "Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ]",
        ];
        for (int i = 0; i < lines.Length; i++)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $" {lines[i]} = {Result.Stats[i]:0.000}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"eval: coco AP@[.5:.95] = {Result.AveragePrecision:F4}, AP50 = {Result.Stats[1]:F4} over {Result.ImageCount} images"));
    }
}
