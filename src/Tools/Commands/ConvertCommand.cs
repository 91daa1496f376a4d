using System.CommandLine;
using SsdLite.Data;
using SsdLite.Data.Coco;
using SsdLite.Data.Yolo;

namespace SsdLite.Tools.Commands;

/// <summary>
/// <c>ssdlite convert [--from voc|coco|yolo] --to voc|coco|yolo --data PATH --out DIR [--split S ...] [--images DIR] [--labels FILE]</c>:
/// rewrites a dataset in another layout, boxes and classes unchanged (see <see cref="DatasetConversion"/>).
/// </summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var from = new Option<string?>("--from") { Description = "The source's format: voc, coco or yolo (default: told by --data)" };
        from.AcceptOnlyFromAmong("voc", "coco", "yolo");
        var to = new Option<string>("--to") { Description = "The format to write: voc, coco or yolo", Required = true };
        to.AcceptOnlyFromAmong("voc", "coco", "yolo");
        var data = new Option<string>("--data") { Description = "The source: a VOC root, a COCO .json or a YOLO data.yaml (or its folder)", Required = true };
        var outDir = new Option<string>("--out") { Description = "The folder to write (VOC root; COCO SPLIT.json + images/; YOLO data.yaml, images/, labels/)", Required = true };
        var splits = new Option<string[]>("--split")
        {
            Description = "Splits to convert (default: VOC every ImageSets/Main list, YOLO every split of data.yaml, COCO the file's name)",
            AllowMultipleArgumentsPerToken = true,
        };
        var images = new Option<string?>("--images") { Description = "COCO source: the folder file_name is relative to (default: the JSON file's folder)" };
        var labels = new Option<string?>("--labels") { Description = "Class names (default: the source's own; VOC: DATA/labels.txt, else the 20 VOC classes)" };
        var maxPixels = MaxPixelsOption.Create();
        var command = new Command("convert", "Convert a dataset between VOC, COCO JSON and YOLO, keeping every box and class")
        {
            from, to, data, outDir, splits, images, labels, maxPixels,
        };
        command.SetAction(r => MaxPixelsOption.Then(r, maxPixels, () => CommandRunner.Run("convert", () =>
        {
            var source = r.GetValue(data)!;
            var format = r.GetValue(from) is { } f ? DetectionDatasets.ParseFormat(f) : DetectionDatasets.Detect(source);
            var request = new DatasetConversion(source, format, DetectionDatasets.ParseFormat(r.GetValue(to)!), r.GetValue(outDir)!)
            {
                Splits = r.GetValue(splits) ?? [],
                Images = r.GetValue(images),
                Labels = r.GetValue(labels) is { } l ? Labels.Load(l) : null,
            };
            request.Run(Console.Out);
            return 0;
        })));
        return command;
    }
}

/// <summary>One conversion: reads each split of the source (checked, bad images reported and left out) and writes it.</summary>
internal sealed record DatasetConversion(string Source, DatasetFormat From, DatasetFormat To, string OutDir)
{
    public IReadOnlyList<string> Splits { get; init; } = [];

    public string? Images { get; init; }

    public Labels? Labels { get; init; }

    public void Run(TextWriter log)
    {
        var labels = Labels ?? DefaultLabels();
        Directory.CreateDirectory(OutDir);
        foreach (var split in Splits.Count > 0 ? Splits : DefaultSplits())
        {
            // Annotations and file presence only: the images are copied byte for byte, not decoded (YOLO reads sizes).
            var check = new DataCheckOptions { Probe = null, Log = log };
            var dataset = DetectionDatasets.Open([Source], From, split, labels, keepDifficult: true, check, Images);
            string written = Write(dataset, split, out string note);
            log.WriteLine($"convert: {split}: {dataset.Count} images, {dataset.Sum(s => s.Objects.Count)} objects -> {written}{note}");
        }
    }

    private string Write(DetectionDataset dataset, string split, out string note)
    {
        note = "";
        switch (To)
        {
            case DatasetFormat.Voc:
                int clamped = VocWriter.Write(dataset, dataset.Labels, OutDir, split);
                if (clamped > 0) note = $" ({clamped} boxes ending on the image's far edge clamped to VOC's last pixel)";
                return OutDir;
            case DatasetFormat.Coco:
                string json = Path.Combine(OutDir, split + ".json");
                CocoWriter.Write(dataset, dataset.Labels, json);
                return json;
            default:
                int dropped = YoloWriter.Write(dataset, dataset.Labels, OutDir, split);
                if (dropped > 0) note = $" ({dropped} difficult or crowd flags dropped: YOLO has none)";
                return Path.Combine(OutDir, "data.yaml");
        }
    }

    private Labels DefaultLabels()
    {
        if (DetectionDatasets.DeclaredLabels(Source, From) is { } declared) return declared;
        string beside = Path.Combine(Source, "labels.txt");
        return File.Exists(beside) ? SsdLite.Data.Labels.Load(beside) : SsdLite.Data.Labels.Voc;
    }

    private IReadOnlyList<string> DefaultSplits()
    {
        switch (From)
        {
            case DatasetFormat.Voc:
                string main = Path.Combine(Source, "ImageSets", "Main");
                // Class-specific lists (aeroplane_train.txt) repeat the split files; only plain split names are splits.
                return Directory.Exists(main)
                    ? Directory.GetFiles(main, "*.txt").Select(f => Path.GetFileNameWithoutExtension(f)).Where(n => !n.Contains('_', StringComparison.Ordinal))
                        .Order(StringComparer.Ordinal).ToArray()
                    : ["all"];
            case DatasetFormat.Coco:
                string stem = Path.GetFileNameWithoutExtension(Source);
                return [stem.StartsWith("instances_", StringComparison.Ordinal) ? stem["instances_".Length..] : stem];
            default:
                return YoloDataYaml.Load(DetectionDatasets.Resolve(Source, From)).Splits.Keys.ToArray();
        }
    }
}
