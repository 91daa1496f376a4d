using SsdLite.Data.Synthetic;
using SsdLite.Detection;
using SsdLite.Export;
using SsdLite.Runtime;
using SsdLite.Tools.Detect;
using SsdLite.Tools.Models;
using SsdLite.Tools.Video;
using SsdLite.Vision;

namespace SsdLite.Tools.Bench;

/// <summary>
/// End-to-end frames/s of <c>detect</c> on a 720p H.264 file (SyntheticVideo's moving shapes at 1280x720, 25 fps,
/// written by ffmpeg): the video pipeline (ffmpeg decoding, the test transform, batches of 8, one JSON line per frame)
/// against the image pipeline (2 decoding workers, batches of 8) on the same frames extracted as JPEGs, for each engine:
/// TorchSharp, fp32 ONNX Runtime and int8 ONNX Runtime, the same seeded random network. Also the video pipeline writing
/// the annotated MP4 (drawing and H.264 encoding). Every case runs once per round, the order rotated each round, so the
/// machine's noise and the first slot's disadvantage are shared out. Rows give ms per frame (frames/s in the items/s
/// column); a ratio "A over B" is the median of the per-round ratios of A's frames/s to B's. All at batch 8.
/// </summary>
public static class VideoBench
{
    private const int Batch = 8;
    private const int Width = 1280;
    private const int Height = 720;
    private const int Fps = 25;
    private const int Workers = 2;

    public static IEnumerable<Measurement> Run(BenchSettings settings)
    {
        FfmpegBinaries.Require();
        var folder = Path.Combine(Path.GetTempPath(), $"ssdlite-video-bench-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(folder);
            var clip = WriteClip(Path.Combine(folder, "clip.mp4"), settings.VideoFrames);
            var jpegs = ExtractJpegs(clip, Path.Combine(folder, "frames"));
            torch.manual_seed(1);
            var model = BenchModels.Create(settings);
            model.eval();
            var fp32Path = Path.Combine(folder, "model.onnx");
            OnnxExporter.Export(model, fp32Path, new OnnxExportOptions { WriteLabels = false });
            var int8Path = Path.Combine(folder, "model-int8.onnx");
            OnnxBench.ExportInt8(model, settings, folder, int8Path);
            var threads = settings.Threads > 0 ? settings.Threads : torch.get_num_threads();
            using var torchDetector = new Detector(model);
            using var fp32 = ModelFile.Open(fp32Path).Load(new OnnxDetectorRequest(new OnnxDetectorOptions { IntraOpThreads = threads }));
            using var int8 = ModelFile.Open(int8Path).Load(new OnnxDetectorRequest(new OnnxDetectorOptions { IntraOpThreads = threads }));
            IObjectDetector[] detectors = [torchDetector, fp32, int8];
            foreach (var d in detectors) d.PostProcessor = ClassLabels.PostProcessorFor(d, 0.4f);
            string[] names = ["TorchSharp", $"ONNX fp32 {threads}t", $"ONNX int8 {threads}t"];
            return Measure(settings, clip, jpegs, detectors, names, Path.Combine(folder, "out"));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private sealed record Case(string Name, Func<int?, long> Run);

    private static List<Measurement> Measure(BenchSettings settings, string clip, IReadOnlyList<string> jpegs, IObjectDetector[] detectors, string[] names, string drawTo)
    {
        var cases = new List<Case>();
        for (var e = 0; e < detectors.Length; e++)
        {
            var detector = detectors[e];
            cases.Add(new Case($"{names[e]}, 720p video", limit => RunVideo(detector, clip, limit, null)));
            cases.Add(new Case($"{names[e]}, 720p JPEGs", limit => RunImages(detector, jpegs, limit)));
        }
        var last = detectors[^1];
        cases.Add(new Case($"{names[^1]}, 720p video → mp4", limit => RunVideo(last, clip, limit, drawTo)));

        // One untimed pass over three batches per case: the JIT's recompilations and the engines' first calls land there.
        if (settings.Warmup > 0)
        {
            foreach (var c in cases) c.Run(3 * Batch);
        }
        var frames = settings.VideoFrames;
        var perFrame = cases.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < settings.VideoRounds; round++)
        {
            for (var k = 0; k < cases.Count; k++)
            {
                var index = (k + round) % cases.Count;
                long done = 0;
                var ms = Sampler.TimeMs(() => done = cases[index].Run(null));
                if (done != frames) throw new InvalidDataException($"video bench: {cases[index].Name} processed {done} of the {frames} frames");
                perFrame[index].Add(ms / frames);
            }
        }

        var rows = new List<Measurement>();
        for (var k = 0; k < cases.Count; k++) rows.Add(Measurement.FromSamples("video", cases[k].Name, perFrame[k], "ms", 1));
        for (var e = 0; e < detectors.Length; e++)
            rows.Add(Ratio($"{names[e]}: video over JPEGs (x)", perFrame[(2 * e) + 1], perFrame[2 * e]));
        rows.Add(Ratio("video: ONNX fp32 over TorchSharp (x)", perFrame[0], perFrame[2]));
        rows.Add(Ratio("video: ONNX int8 over fp32 (x)", perFrame[2], perFrame[4]));
        rows.Add(Ratio("video: int8 → mp4 over int8 (x)", perFrame[4], perFrame[6]));
        return rows;
    }

    /// <summary>Per round, the ms per frame of <paramref name="baseline"/> over those of <paramref name="other"/>: the other case's frames/s over the baseline's.</summary>
    private static Measurement Ratio(string name, IReadOnlyList<double> baseline, IReadOnlyList<double> other) =>
        Measurement.FromSamples("video", name, baseline.Zip(other, (b, o) => b / o).ToList(), "x", 0);

    private static long RunVideo(IObjectDetector detector, string clip, int? limit, string? drawTo)
    {
        var options = new VideoPipelineOptions { BatchSize = Batch, Read = new VideoReadOptions { MaxFrames = limit }, DrawTo = drawTo, Stem = "clip" };
        var summary = VideoPipeline.Run(detector, clip, options, r => _ = DetectJson.ToLine(r), progress: null);
        if (summary.Error is { } error) throw new InvalidDataException($"video bench: {clip}: {error}");
        return summary.Frames;
    }

    private static long RunImages(IObjectDetector detector, IReadOnlyList<string> jpegs, int? limit)
    {
        var files = limit is { } n ? jpegs.Take(n).ToList() : jpegs;
        long done = 0;
        var failed = 0;
        DetectPipeline.Run(detector, files, new DetectPipelineOptions { Workers = Workers, BatchSize = Batch }, r =>
        {
            _ = DetectJson.ToLine(r);
            if (r.Failed) failed++;
            done++;
        });
        if (failed > 0) throw new InvalidDataException($"video bench: {failed} of the {files.Count} extracted JPEGs could not be read");
        return done;
    }

    /// <summary>Moving shapes at 1280x720 and 25 fps, H.264 as <c>ssdlite synth --video</c> writes it.</summary>
    private static string WriteClip(string path, int frames)
    {
        var video = new SyntheticVideo(new SyntheticVideoOptions { Frames = frames, Width = Width, Height = Height, Objects = 6, Fps = Fps, Seed = 7 });
        var encoder = VideoEncoder.Start(path, Width, Height, $"{Fps}/1");
        for (var f = 0; f < frames; f++) encoder.Write(video.Render(f).Image);
        encoder.Finish();
        return path;
    }

    /// <summary>The clip's frames as ffmpeg decodes them, written as JPEGs (quality 95, detect's own).</summary>
    private static IReadOnlyList<string> ExtractJpegs(string clip, string folder)
    {
        Directory.CreateDirectory(folder);
        var files = new List<string>();
        var read = VideoReader.ReadAsync(clip, new VideoReadOptions(), (_, frame) =>
        {
            var path = Path.Combine(folder, $"{frame.Index:D5}.jpg");
            ImageIO.Write(path, frame.Image);
            files.Add(path);
            return ValueTask.FromResult(true);
        }).GetAwaiter().GetResult();
        if (read.Error is { } error) throw new InvalidDataException($"video bench: {clip}: {error.Message}");
        return files;
    }
}
