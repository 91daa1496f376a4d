using System.CommandLine;
using SsdLite.Core;
using SsdLite.Detection.Models;
using SsdLite.Runtime;
using SsdLite.Tools.Detect;
using SsdLite.Tools.Evaluation;
using SsdLite.Vision;

namespace SsdLite.Tools.Commands;

/// <summary>
/// <c>ssdlite detect --weights FILE [--runtime torch|onnx] [--labels FILE] [--score-threshold X] [--top-k K] [--out DIR] [--json FILE]
/// [--jsonl FILE|-] [--workers N] [--batch-size N] [--recursive] [--strict] PATH ...</c>.
/// </summary>
internal static class DetectCommand
{
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);

    private sealed record Settings(string Weights, string? Labels, float Threshold, int TopK, string? OutDir, string? Json, string? Jsonl,
        string Device, SsdArch? Arch, DetectorRuntime Runtime, DetectPipelineOptions Pipeline, bool Recursive, string[] Paths)
    {
        /// <summary>--json's layout: SsdLite's per-image entries, or COCO's results list.</summary>
        public bool CocoResults { get; init; }

        /// <summary>A COCO file whose category ids (by name) the results use; null: class ids 1..N.</summary>
        public string? Categories { get; init; }
    }

    public static Command Create()
    {
        var weights = new Option<string>("--weights") { Description = "An SsdLite checkpoint or a reference PyTorch .pth, or the name of published weights (ssdlite weights list)", Required = true };
        var labels = new Option<string?>("--labels") { Description = "Labels file (required for a .pth)" };
        var threshold = new Option<float>("--score-threshold") { Description = "Keep detections scoring above this", DefaultValueFactory = _ => 0.4f };
        var topK = new Option<int>("--top-k") { Description = "At most this many detections per class and image (-1: no limit)", DefaultValueFactory = _ => -1 };
        var outDir = new Option<string?>("--out") { Description = "Folder for the images with drawn boxes, labels and scores" };
        var json = new Option<string?>("--json") { Description = "Write all entries as one JSON list when the run ends (boxes in original pixels, sorted by score)" };
        var jsonl = new Option<string?>("--jsonl") { Description = "Write one JSON line per image as soon as it is done (- for standard output)" };
        var workers = new Option<int>("--workers") { Description = "Threads that decode (and draw) images while the network runs", DefaultValueFactory = _ => 2 };
        var batchSize = new Option<int>("--batch-size") { Description = "Images per forward pass", DefaultValueFactory = _ => 8 };
        var recursive = new Option<bool>("--recursive", "-r") { Description = "Take the images in the folders' subfolders too" };
        var strict = new Option<bool>("--strict") { Description = "Stop with an error at the first image that cannot be read" };
        var device = new Option<string>("--device") { Description = "cpu or cuda", DefaultValueFactory = _ => "cpu" };
        var arch = ArchOption.Create("Architecture of a reference .pth whose keys do not tell it");
        var runtime = DetectorRuntimes.Option();
        var format = new Option<string>("--format")
        {
            Description = "--json's layout: json (per image, the default) or coco-results (image_id, category_id, bbox [x, y, w, h], score)",
            DefaultValueFactory = _ => "json",
        };
        format.AcceptOnlyFromAmong("json", "coco-results");
        var categories = new Option<string?>("--categories") { Description = "coco-results: a COCO file whose category ids the results use (matched by name)" };
        var paths = new Argument<string[]>("PATH")
        {
            Description = "Image files, folders, globs ('photos/*.jpg', 'data/**/*.jpg') or - to read paths from standard input, one a line",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("detect", "Detect objects in images")
        {
            weights, labels, threshold, topK, outDir, json, jsonl, workers, batchSize, recursive, strict, device, arch, runtime, format, categories, paths,
        };
        command.SetAction(r => CommandRunner.Run("detect", () => Execute(new Settings(Weights.WeightsResolver.Resolve(r.GetValue(weights)!), r.GetValue(labels),
            r.GetValue(threshold), r.GetValue(topK), r.GetValue(outDir), r.GetValue(json), r.GetValue(jsonl), r.GetValue(device)!,
            ArchOption.Value(r, arch), DetectorRuntimes.Parse(r.GetValue(runtime)!),
            new DetectPipelineOptions { Workers = r.GetValue(workers), BatchSize = r.GetValue(batchSize), DrawTo = r.GetValue(outDir), Strict = r.GetValue(strict) },
            r.GetValue(recursive), r.GetValue(paths)!)
        {
            CocoResults = r.GetValue(format) == "coco-results",
            Categories = r.GetValue(categories),
        })));
        return command;
    }

    private static int Execute(Settings s)
    {
        if (s.Threshold is < 0 or >= 1) throw new ArgumentException($"--score-threshold must be in [0, 1), got {s.Threshold}");
        s.Pipeline.Validate();
        var jsonlToStdout = s.Jsonl == "-";
        // With the JSON lines on standard output, everything meant for a person goes to standard error.
        var messages = jsonlToStdout ? Console.Error : Console.Out;
        var inputs = DetectPaths.Expand(s.Paths, s.Recursive);
        foreach (var empty in inputs.Empty)
        {
            if (s.Pipeline.Strict) throw new FileNotFoundException($"no images in {empty}", empty);
            Console.Error.WriteLine($"detect: warning: no images in {empty}");
        }
        if (inputs.Files.Count == 0) throw new FileNotFoundException($"no images found in {string.Join(", ", s.Paths)}");

        using var detector = DetectorRuntimes.Open(s.Runtime, s.Weights, LabelFile.Read(s.Labels), s.Device, s.Arch);
        detector.PostProcessor = ClassLabels.PostProcessorFor(detector, s.Threshold, topK: s.TopK);
        var results = s.Json is null ? null : new List<ImageDetections>();
        var failed = 0;
        using (var lines = OpenJsonLines(s.Jsonl))
        {
            var report = DetectReport.Create(inputs.Files.Count, jsonlToStdout ? null : Console.Out, ProgressEvery);
            report.Run(() => DetectPipeline.Run(detector, inputs.Files, s.Pipeline, r =>
            {
                lines?.Write(r);
                results?.Add(r);
                if (r.Failed) failed++;
                report.Image(r);
            }));
        }

        if (results is not null) AtomicFile.WriteAllText(s.Json!, s.CocoResults ? CocoResults(results, detector.ClassNames, s.Categories) : DetectJson.ToJson(results));
        var skipped = inputs.Skipped > 0 ? $"; skipped {Count(inputs.Skipped, "non-image file")} in the folders and globs" : "";
        messages.WriteLine($"detect: {Count(inputs.Files.Count, "image")}, {failed} failed{skipped}");
        if (s.OutDir is not null) messages.WriteLine($"detect: drawn images in {s.OutDir}");
        if (s.Jsonl is not null && !jsonlToStdout) messages.WriteLine($"detect: wrote {s.Jsonl}");
        if (s.Json is not null) messages.WriteLine($"detect: wrote {s.Json}");
        if (failed < inputs.Files.Count) return 0;
        Console.Error.WriteLine(inputs.Files.Count == 1 ? "ssdlite detect: error: the image could not be read"
            : $"ssdlite detect: error: none of the {inputs.Files.Count} images could be read");
        return CommandRunner.Failure;
    }

    /// <summary>
    /// COCO's results list: image ids are the file names' numbers when all are distinct numbers (COCO's own images),
    /// else 1..N in input order; category ids come from <paramref name="categories"/> by name, else are the class ids.
    /// </summary>
    private static string CocoResults(List<ImageDetections> results, IReadOnlyList<string> names, string? categories)
    {
        var read = results.Where(r => !r.Failed).ToList();
        var ids = CocoResultsJson.ImageIdsOf(read.Select(r => r.Image).ToList());
        var byName = categories is null ? null : SsdLite.Data.Coco.CocoReader.CategoryIds(categories);
        Func<int, long> categoryOf = classId => byName is not null && byName.TryGetValue(names[classId - 1], out long id) ? id : classId;
        return CocoResultsJson.ToJson(read.Select((r, i) => new CocoResultsJson.Entry(ids[i], r.Detections)), categoryOf);
    }

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    private static JsonLinesWriter? OpenJsonLines(string? path) => path switch
    {
        null => null,
        "-" => new JsonLinesWriter(Console.OpenStandardOutput(), "standard output"),
        _ => JsonLinesWriter.Create(path),
    };
}
