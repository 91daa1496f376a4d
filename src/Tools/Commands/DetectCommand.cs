using System.CommandLine;
using SsdLite.Core;
using SsdLite.Detection.Models;
using SsdLite.Runtime;
using SsdLite.Tools.Detect;
using SsdLite.Tools.Evaluation;
using SsdLite.Tools.Models;
using SsdLite.Tools.Video;
using SsdLite.Tracking;
using SsdLite.Vision;

namespace SsdLite.Tools.Commands;

/// <summary>
/// <c>ssdlite detect --weights FILE [--runtime torch|onnx] [--labels FILE] [--score-threshold X] [--top-k K] [--out DIR] [--json FILE]
/// [--jsonl FILE|-] [--workers N] [--batch-size N] [--recursive] [--strict] PATH ...</c>; PATH may also be a video file, a
/// stream URL or a /dev/videoN device, with [--video] [--vid-stride N] [--start S] [--duration S] [--max-frames N]
/// [--save-frames] [--realtime] [--track] [--track-buffer N] (docs/video.md).
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

        /// <summary>--shard: the block of the inputs this worker takes, and the suffix of its output files; null: all of them.</summary>
        public DetectShard? Shard { get; init; }

        /// <summary>How video inputs are read, drawn and tracked.</summary>
        public VideoSettings Video { get; init; } = new(false, new VideoReadOptions(), false, false, null);
    }

    private sealed record VideoSettings(bool ForceVideo, VideoReadOptions Read, bool SaveFrames, bool Realtime, ByteTrackOptions? Track);

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
        var video = new Option<bool>("--video") { Description = "Read every PATH as a video (else: .mp4 .mkv .avi .mov .webm .m4v, stream URLs and /dev/videoN are)" };
        var stride = new Option<int>("--vid-stride") { Description = "Videos: detect every Nth frame", DefaultValueFactory = _ => 1 };
        var start = new Option<double?>("--start") { Description = "Videos: start at this many seconds" };
        var duration = new Option<double?>("--duration") { Description = "Videos: read this many seconds" };
        var maxFrames = new Option<long?>("--max-frames") { Description = "Videos: at most this many frames each (after --vid-stride)" };
        var saveFrames = new Option<bool>("--save-frames") { Description = "Videos: write the drawn frames as JPEG images in --out DIR/<stem>/ instead of DIR/<stem>.mp4" };
        var realtime = new Option<bool>("--realtime") { Description = "Streams and cameras: drop frames rather than fall behind (the count is reported)" };
        var track = new Option<bool>("--track") { Description = "Videos: give each detection a track id (ByteTrack), stable across frames" };
        var trackBuffer = new Option<int>("--track-buffer") { Description = "Frames (at 30 fps) a lost track is kept before its id is retired", DefaultValueFactory = _ => 30 };
        var trackHigh = new Option<float>("--track-thresh") { Description = "ByteTrack: detections above this score are matched first (the rest, above 0.1, second)", DefaultValueFactory = _ => 0.5f };
        var newTrack = new Option<float?>("--new-track-thresh") { Description = "ByteTrack: an unmatched detection scoring at least this starts a track (default: --track-thresh + 0.1)" };
        var shard = new Option<string?>("--shard")
        {
            Description = "INDEX/COUNT (0-based): detect one block of the inputs, writing --json/--jsonl as NAME-INDEX-of-COUNT.EXT " +
                $"(ssdlite merge-detections joins them); auto: INDEX from {DetectShard.IndexVariable}, COUNT from {DetectShard.CountVariable} or auto/COUNT",
        };
        var paths = new Argument<string[]>("PATH")
        {
            Description = "Image or video files, folders, globs ('photos/*.jpg', 'data/**/*.jpg'), stream URLs (rtsp://, rtmp://, http(s)://), /dev/videoN, or - to read paths from standard input, one a line",
            Arity = ArgumentArity.OneOrMore,
        };
        var maxPixels = MaxPixelsOption.Create();
        var command = new Command("detect", "Detect objects in images, videos, streams and cameras")
        {
            weights, labels, threshold, topK, outDir, json, jsonl, workers, batchSize, recursive, strict, device, arch, runtime, format, categories,
            video, stride, start, duration, maxFrames, saveFrames, realtime, track, trackBuffer, trackHigh, newTrack, maxPixels, shard, paths,
        };
        command.SetAction(r => MaxPixelsOption.Then(r, maxPixels, () => CommandRunner.Run("detect", () => Execute(new Settings(Weights.WeightsResolver.Resolve(r.GetValue(weights)!), r.GetValue(labels),
            r.GetValue(threshold), r.GetValue(topK), r.GetValue(outDir), r.GetValue(json), r.GetValue(jsonl), r.GetValue(device)!,
            ArchOption.Value(r, arch), DetectorRuntimes.Parse(r.GetValue(runtime)!),
            new DetectPipelineOptions { Workers = r.GetValue(workers), BatchSize = r.GetValue(batchSize), DrawTo = r.GetValue(outDir), Strict = r.GetValue(strict) },
            r.GetValue(recursive), r.GetValue(paths)!)
        {
            CocoResults = r.GetValue(format) == "coco-results",
            Categories = r.GetValue(categories),
            Shard = r.GetValue(shard) is { } text ? DetectShard.Parse(text) : null,
            Video = new VideoSettings(r.GetValue(video),
                new VideoReadOptions { Stride = r.GetValue(stride), Start = r.GetValue(start), Duration = r.GetValue(duration), MaxFrames = r.GetValue(maxFrames) },
                r.GetValue(saveFrames), r.GetValue(realtime),
                r.GetValue(track) ? TrackOptions(r.GetValue(trackHigh), r.GetValue(newTrack), r.GetValue(trackBuffer)) : null),
        }))));
        return command;
    }

    private static int Execute(Settings s)
    {
        if (s.Shard is not null && s.CocoResults)
            throw new ArgumentException("--shard with --format coco-results: its image ids are numbered per run; write --format json shards, merge them, then convert");
        s = s.Shard is { } shard ? s with { Json = s.Json is { } j ? shard.FileName(j) : null, Jsonl = s.Jsonl is { } l and not "-" ? shard.FileName(l) : s.Jsonl } : s;
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
        var files = Shard(s.Shard, inputs.Files, messages);
        s.Video.Read.Validate();
        if (s.Video.SaveFrames && s.OutDir is null) throw new ArgumentException("--save-frames writes into --out DIR: name the folder");
        // Consecutive images go through DetectPipeline together; each video is its own run, in input order.
        var segments = Segments(files, s.Video.ForceVideo);
        var videoCount = segments.Count(g => g.Video);
        var imageCount = files.Count - videoCount;
        if (videoCount > 0) FfmpegBinaries.Require();

        using var detector = ModelFile.Open(s.Weights, s.Labels, s.Arch).Load(new DetectorRequest(s.Runtime, s.Device));
        detector.PostProcessor = ClassLabels.PostProcessorFor(detector, s.Threshold, topK: s.TopK);
        var results = s.Json is null ? null : new List<ImageDetections>();
        var failed = 0;
        long frames = 0;
        var videoFailed = 0;
        var summaries = new List<VideoSummary>();
        using (var lines = OpenJsonLines(s.Jsonl))
        {
            var report = DetectReport.Create(imageCount, jsonlToStdout ? null : Console.Out, ProgressEvery, plain: videoCount > 0);
            var stems = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            report.Run(() =>
            {
                foreach (var segment in segments)
                {
                    if (!segment.Video)
                    {
                        DetectPipeline.Run(detector, segment.Files, s.Pipeline, r =>
                        {
                            lines?.Write(r);
                            results?.Add(r);
                            if (r.Failed) failed++;
                            report.Image(r);
                        });
                        continue;
                    }
                    var path = segment.Files[0];
                    var stem = VideoInputs.Stem(path);
                    for (var k = 2; !stems.Add(stem); k++) stem = $"{VideoInputs.Stem(path)}-{k}";
                    var summary = VideoPipeline.Run(detector, path, new VideoPipelineOptions
                    {
                        BatchSize = s.Pipeline.BatchSize,
                        Read = s.Video.Read,
                        DrawTo = s.OutDir,
                        Stem = stem,
                        SaveFrames = s.Video.SaveFrames,
                        Realtime = s.Video.Realtime,
                        Track = s.Video.Track,
                        ProgressEvery = ProgressEvery,
                    }, r =>
                    {
                        lines?.Write(r);
                        results?.Add(r);
                        report.Frame(r);
                        if (r.Failed && s.Pipeline.Strict) throw new InvalidDataException($"{path}: {r.Error}");
                    }, Console.Error);
                    frames += summary.Frames;
                    summaries.Add(summary);
                    if (summary.Error is not null) videoFailed++;
                }
            });
        }

        if (results is not null) AtomicFile.WriteAllText(s.Json!, s.CocoResults ? CocoResults(results, detector.ClassNames, s.Categories) : DetectJson.ToJson(results));
        var skipped = inputs.Skipped > 0 ? $"; skipped {Count(inputs.Skipped, "non-image file")} in the folders and globs" : "";
        if (imageCount > 0 || videoCount == 0) messages.WriteLine($"detect: {Count(imageCount, "image")}, {failed} failed{skipped}");
        if (videoCount > 0)
        {
            messages.WriteLine($"detect: {Count(videoCount, "video")}, {Count((int)Math.Min(frames, int.MaxValue), "frame")}, {videoFailed} with errors");
            if (s.Video.Track is not null)
            {
                var tracks = summaries.Sum(v => v.Tracks);
                var mean = tracks == 0 ? 0 : summaries.Sum(v => v.Tracks * v.MeanTrackLength) / tracks;
                messages.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"detect: {Count(tracks, "track")}, mean length {mean:F1} frames"));
            }
            foreach (var v in summaries.Where(v => v.Output is not null)) messages.WriteLine($"detect: wrote {v.Output}");
        }
        if (s.OutDir is not null && imageCount > 0) messages.WriteLine($"detect: drawn images in {s.OutDir}");
        if (s.Jsonl is not null && !jsonlToStdout) messages.WriteLine($"detect: wrote {s.Jsonl}");
        if (s.Json is not null) messages.WriteLine($"detect: wrote {s.Json}");
        // A shard's images may all be unreadable while the run's are not: merge-detections gives the run's verdict.
        if (failed < imageCount || frames > 0 || s.Shard is not null) return 0;
        if (videoCount > 0)
        {
            Console.Error.WriteLine("ssdlite detect: error: no image or video frame could be read");
            return CommandRunner.Failure;
        }
        Console.Error.WriteLine(files.Count == 1 ? "ssdlite detect: error: the image could not be read"
            : $"ssdlite detect: error: none of the {files.Count} images could be read");
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

    private static ByteTrackOptions TrackOptions(float high, float? newTrack, int buffer)
    {
        var options = new ByteTrackOptions
        {
            HighThreshold = high,
            LowThreshold = Math.Min(0.1f, high / 2),
            NewTrackThreshold = newTrack ?? Math.Min(high + 0.1f, 0.99f),
            TrackBuffer = buffer,
        };
        options.Validate();
        return options;
    }

    /// <summary>The inputs this run takes: all of them, or the shard's block, which it names.</summary>
    private static IReadOnlyList<string> Shard(DetectShard? shard, IReadOnlyList<string> all, TextWriter messages)
    {
        if (shard is not { } s) return all;
        var (start, end) = s.Range(all.Count);
        messages.WriteLine(end > start
            ? $"detect: shard {s} takes inputs {start + 1}..{end} of {all.Count}"
            : $"detect: shard {s} takes none of the {all.Count} inputs (more shards than inputs)");
        return s.Take(all);
    }

    /// <summary>The inputs in order, consecutive images together and each video alone.</summary>
    private static List<(bool Video, List<string> Files)> Segments(IReadOnlyList<string> files, bool forceVideo)
    {
        var segments = new List<(bool Video, List<string> Files)>();
        foreach (var f in files)
        {
            var isVideo = VideoInputs.IsVideo(f, forceVideo);
            if (!isVideo && segments.Count > 0 && !segments[^1].Video) segments[^1].Files.Add(f);
            else segments.Add((isVideo, [f]));
        }
        return segments;
    }

    private static JsonLinesWriter? OpenJsonLines(string? path) => path switch
    {
        null => null,
        "-" => new JsonLinesWriter(Console.OpenStandardOutput(), "standard output"),
        _ => JsonLinesWriter.Create(path),
    };
}
