using SsdLite.Data;
using SsdLite.Detection;
using SsdLite.Tools.Detect;
using SsdLite.Platform.Vision;

namespace SsdLite.Tools.Bench;

/// <summary>
/// What <c>ssdlite detect</c> spends on one image: JPEG decode, test transform, forward pass (folded, channels last
/// on the CPU), softmax, box decoding, per-class NMS at the detect command's defaults (score 0.4, IoU 0.45) and the
/// JSON text. Given weights and images it times those; otherwise a seeded random model and synthetic 500x375 JPEGs.
/// </summary>
public static class DetectBench
{
    public static IEnumerable<Measurement> Run(BenchSettings settings)
    {
        var temp = Path.Combine(Path.GetTempPath(), $"ssdlite-detect-bench-{Environment.ProcessId}");
        try
        {
            var files = settings.DetectImages is { } images ? DetectRunner.ExpandPaths([images]) : SyntheticImages(temp);
            if (files.Count == 0) throw new ArgumentException($"--detect-images {settings.DetectImages}: no images found");
            using var detector = CreateDetector(settings);
            detector.PostProcessor = new PostProcessor(0.4f, 0.45f, 200, -1, labels: Detector.Labels(detector.Config));
            var next = 0;
            var samples = Sampler.Repeat(() => DetectOne(detector, files[next++ % files.Count]), settings.Warmup, settings.Iterations);
            var source = settings.DetectWeights is null ? "random weights" : Path.GetFileName(settings.DetectWeights);
            return [Measurement.FromSamples("detect", $"decode → JSON, batch 1, {source}", samples, "ms", 1)];
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    private static Detector CreateDetector(BenchSettings settings)
    {
        if (settings.DetectWeights is { } weights)
        {
            var labels = settings.DetectLabels is { } file ? Labels.Load(file).Names : null;
            return Detector.Load(weights, labels, arch: settings.Arch);
        }
        torch.manual_seed(1);
        return new Detector(BenchModels.Create(settings));
    }

    private static List<string> SyntheticImages(string root)
    {
        SyntheticVoc.Generate(new SyntheticVocOptions { Images = 24, Width = 500, Height = 375, Seed = 6, TrainFraction = 1, ValFraction = 0 }, root);
        return DetectRunner.ExpandPaths([Path.Combine(root, "JPEGImages")]);
    }

    private static void DetectOne(Detector detector, string file)
    {
        var image = ImageIO.Read(file);
        var found = detector.Detect(image);
        _ = DetectRunner.ToJson([new ImageDetections(file, image.Width, image.Height, found)]);
    }
}
