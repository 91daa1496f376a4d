using SsdLite.Data;
using SsdLite.Data.Synthetic;
using SsdLite.Detection;
using SsdLite.Runtime;
using SsdLite.Tools.Detect;
using SsdLite.Tools.Models;
using SsdLite.Vision;

namespace SsdLite.Tools.Bench;

/// <summary>
/// What <c>ssdlite detect</c> spends on one image: JPEG decode, test transform, forward pass (folded, channels last
/// on the CPU), softmax, box decoding, per-class NMS at the detect command's defaults (score 0.4, IoU 0.45) and the
/// JSON text; and its throughput at scale: images/s of the detect pipeline (decoding workers, batches of 8, one JSON
/// line per image) over many images, with and without drawing, for each worker count. Given weights and images it
/// times those; otherwise a seeded random model and synthetic 500x375 JPEGs.
/// </summary>
public static class DetectBench
{
    private const int PipelineBatch = 8;

    public static IEnumerable<Measurement> Run(BenchSettings settings)
    {
        var temp = Path.Combine(Path.GetTempPath(), $"ssdlite-detect-bench-{Environment.ProcessId}");
        try
        {
            var files = settings.DetectImages is { } images
                ? DetectPaths.Expand([images]).Files
                : SyntheticImages(Path.Combine(temp, "images"), Math.Max(24, settings.DetectThroughputImages));
            if (files.Count == 0) throw new ArgumentException($"--detect-images {settings.DetectImages}: no images found");
            using var detector = CreateDetector(settings);
            detector.PostProcessor = ClassLabels.PostProcessorFor(detector, 0.4f);
            var source = settings.DetectWeights is null ? "random weights" : Path.GetFileName(settings.DetectWeights);
            var next = 0;
            var samples = Sampler.Repeat(() => DetectOne(detector, files[next++ % files.Count]), settings.Warmup, settings.Iterations);
            var rows = new List<Measurement> { Measurement.FromSamples("detect", $"decode → JSON, batch 1, {source}", samples, "ms", 1) };
            if (settings.DetectThroughputImages > 0) rows.AddRange(Throughput(settings, detector, files, Path.Combine(temp, "drawn")));
            return rows;
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>
    /// Milliseconds per image of whole pipeline runs, every case once per round (interleaved, so machine noise hits
    /// them alike); the throughput column is images/s at the median.
    /// </summary>
    private static IEnumerable<Measurement> Throughput(BenchSettings settings, Detector detector, IReadOnlyList<string> files, string drawTo)
    {
        var count = settings.DetectThroughputImages;
        var list = Enumerable.Range(0, count).Select(i => files[i % files.Count]).ToList();
        var cases = settings.DetectWorkers.SelectMany(w => new[] { (Workers: w, Draw: false), (Workers: w, Draw: true) }).ToList();
        var actions = cases.Select(c => (Action)(() => RunPipeline(detector, list, c.Workers, c.Draw ? drawTo : null))).ToList();
        // One untimed pass over a batch's worth of images per case: the JIT's recompilations land there, not in the rounds.
        var warmup = list.Take(PipelineBatch * 3).ToList();
        if (settings.Warmup > 0)
        {
            foreach (var c in cases) RunPipeline(detector, warmup, c.Workers, c.Draw ? drawTo : null);
        }
        var rounds = Sampler.Interleave(actions, 0, Math.Max(1, settings.DetectRounds));
        for (var k = 0; k < cases.Count; k++)
        {
            var perImage = rounds[k].Select(ms => ms / count).ToList();
            var (workers, draw) = cases[k];
            yield return Measurement.FromSamples("detect",
                $"throughput, {workers} worker{(workers == 1 ? "" : "s")}, batch {PipelineBatch}, {(draw ? "drawn" : "no drawing")}", perImage, "ms", 1);
        }
    }

    private static void RunPipeline(Detector detector, IReadOnlyList<string> files, int workers, string? drawTo)
    {
        var failed = 0;
        DetectPipeline.Run(detector, files, new DetectPipelineOptions { Workers = workers, BatchSize = PipelineBatch, DrawTo = drawTo }, r =>
        {
            // The JSON line detect --jsonl writes, without the disk.
            _ = DetectJson.ToLine(r);
            if (r.Failed) failed++;
        });
        if (failed > 0) throw new InvalidDataException($"{failed} of the {files.Count} benchmark images could not be read");
    }

    private static Detector CreateDetector(BenchSettings settings)
    {
        if (settings.DetectWeights is { } weights)
            return ModelFile.Open(weights, settings.DetectLabels, settings.Arch).Load(new TorchDetectorRequest());
        torch.manual_seed(1);
        return new Detector(BenchModels.Create(settings));
    }

    private static IReadOnlyList<string> SyntheticImages(string root, int count)
    {
        SyntheticVoc.Generate(new SyntheticVocOptions { Images = count, Width = 500, Height = 375, Seed = 6, TrainFraction = 1, ValFraction = 0 }, root);
        return DetectPaths.Expand([Path.Combine(root, "JPEGImages")]).Files;
    }

    private static void DetectOne(Detector detector, string file)
    {
        var image = ImageIO.Read(file);
        var found = detector.Detect(image);
        _ = DetectJson.ToJson([new ImageDetections(file, image.Width, image.Height, found)]);
    }
}
