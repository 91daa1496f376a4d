using System.Diagnostics;
using SsdLite.Core;
using SsdLite.Data;
using SsdLite.Data.Augmentation;
using SsdLite.Data.Synthetic;
using SsdLite.Vision;

namespace SsdLite.Tools.Bench;

/// <summary>
/// Loader throughput: synthetic VOC-sized JPEGs (500x375) decoded, SSD-augmented (photometric, expand, crop, flip,
/// resize, normalise) and encoded against the priors by the loader's workers; augmented images per second.
/// </summary>
public static class LoaderBench
{
    private const int BatchSize = 16;

    public static IEnumerable<Measurement> Run(BenchSettings settings)
    {
        var root = Path.Combine(Path.GetTempPath(), $"ssdlite-bench-{Environment.ProcessId}");
        try
        {
            var dataset = CreateDataset(root, settings.LoaderImages);
            var config = BenchModels.Config(settings);
            var matcher = new Matcher(config.GeneratePriors(), new BoxCoder(config.Priors));
            var results = new List<Measurement>();
            foreach (var workers in settings.LoaderWorkers) results.Add(Measure(settings, dataset, matcher, workers));
            return results;
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    private static DetectionDataset CreateDataset(string root, int images)
    {
        SyntheticVoc.Generate(new SyntheticVocOptions { Images = images, Width = 500, Height = 375, Seed = 5, TrainFraction = 1, ValFraction = 0 }, root);
        return DetectionDataset.Open([root], "train", Labels.Load(Path.Combine(root, "labels.txt")));
    }

    private static Measurement Measure(BenchSettings settings, DetectionDataset dataset, Matcher matcher, int workers)
    {
        var augmentation = new SsdAugmentation(settings.InputSize);
        var loader = new DataLoader<AnnotatedImage>(dataset, (s, seed, o) => Transform(augmentation, s, seed, o), matcher.Encode,
            new DataLoaderOptions { BatchSize = BatchSize, ImageSize = settings.InputSize, PriorCount = matcher.PriorCount, Workers = workers });
        var epochs = Math.Max(1, settings.Iterations / 5);
        var samples = new List<double>();
        for (var epoch = 0; epoch < epochs + 1; epoch++)
        {
            var (images, ms) = RunEpoch(loader, epoch);
            if (epoch > 0) samples.Add(ms / images);
        }
        return Measurement.FromSamples("loader", $"augmented images, {workers} worker(s)", samples, "ms", 1);
    }

    private static (int images, double ms) RunEpoch(DataLoader<AnnotatedImage> loader, int epoch)
    {
        var start = Stopwatch.GetTimestamp();
        var images = 0;
        foreach (var batch in loader.GetBatches(epoch)) images += batch.Count;
        return (images, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    /// <summary>Decode, augment into <paramref name="imageOut"/>, return the surviving boxes (relative corners).</summary>
    public static SampleTargets Transform(SsdAugmentation augmentation, AnnotatedImage sample, ulong seed, Span<float> imageOut)
    {
        var image = ImageIO.Read(sample.ImagePath);
        var boxes = sample.TrainingObjects().Select(o => new BoxLabel(o.Box.XMin, o.Box.YMin, o.Box.XMax, o.Box.YMax, o.ClassId, o.Difficult)).ToArray();
        var kept = augmentation.Apply(image, boxes, new Random(unchecked((int)seed ^ (int)(seed >> 32))), imageOut);
        var corners = new float[kept.Length * 4];
        for (var i = 0; i < kept.Length; i++)
        {
            corners[4 * i] = kept[i].XMin;
            corners[4 * i + 1] = kept[i].YMin;
            corners[4 * i + 2] = kept[i].XMax;
            corners[4 * i + 3] = kept[i].YMax;
        }
        return new SampleTargets(corners, kept.Select(k => k.Label).ToArray(), kept.Select(k => k.Difficult).ToArray());
    }
}
