using SsdLite.Core;
using SsdLite.Core.Evaluation;
using SsdLite.Data;
using SsdLite.Data.Synthetic;
using SsdLite.Detection;
using SsdLite.Detection.Models;
using SsdLite.Tools.Evaluation;
using SsdLite.Tools.Training;
using Xunit.Abstractions;

namespace SsdLite.Tools.Tests;

/// <summary>Real training on a small synthetic set, scored on its held-out test split.</summary>
[Collection("training")]
public sealed class EndToEndTests(ITestOutputHelper output)
{
    // The thresholds are the issue's. On 2 cores this recipe trains ~5 minutes (1,320 steps). Many distinct images
    // for few epochs is what makes it: the same steps over 2,125 images gave 0.136 and over 800 images 0.014
    // (docs/benchmarks.md). The run's path depends on the CPU's kernels: at lr 0.02 it reached 0.2196 on the libtorch
    // 1.13 build but 0.1448 on TorchSharp on an AVX-512 machine (the same with the previous commit there); lr 0.04,
    // the demo's rate, gives 0.2258 there for the same steps.
    [Fact]
    public void TrainingLiftsHeldOutMapWellAboveTheUntrainedModel()
    {
        using var folder = new TempFolder("e2e");
        var data = folder["data"];
        SyntheticVoc.Generate(TestData.EndToEndShapes(images: 4700, seed: 42, trainFraction: 0.9), data);
        var options = new TrainOptions
        {
            Data = [data],
            TrainSplit = "train",
            Width = 0.5,
            InputSize = 160,
            Epochs = 10,
            BatchSize = 32,
            Lr = 0.04,
            WarmupEpochs = 1,
            ExpandMaxRatio = 2,
            Seed = 7,
            ValEvery = 0,
            Out = folder["run"],
            LogEverySeconds = 3600,
        };
        var trainer = new Trainer(options, new RecordingProgress());

        // The same initial weights (seeded) before any step: the baseline.
        var untrained = Score(Untrained(options), data);
        var result = trainer.Run();
        Assert.Equal(TrainOutcome.Completed, result.Outcome);
        using var detector = Detector.Load(result.LastCheckpoint);
        var trained = EvalRunner.Run(detector, data, "test", VocMetric.Voc07).Result.MeanAveragePrecision;
        output.WriteLine($"held-out mAP@0.5: untrained {untrained:F4}, trained {trained:F4} ({result.Elapsed.TotalSeconds:F0} s of training)");

        Assert.True(trained >= 0.15, $"trained mAP {trained:F4} < 0.15");
        Assert.True(trained >= 10 * untrained, $"trained mAP {trained:F4} is not 10x the untrained {untrained:F4}");
    }

    private static Detector Untrained(TrainOptions options)
    {
        TorchSharp.torch.manual_seed((long)options.Seed);
        var labels = Labels.Load(Path.Combine(options.Data[0], "labels.txt"));
        return new Detector(new SsdLiteModel(new SsdLiteConfig(labels.Names, options.Width, options.InputSize)));
    }

    private static double Score(Detector detector, string data)
    {
        using (detector) return EvalRunner.Run(detector, data, "test", VocMetric.Voc07).Result.MeanAveragePrecision;
    }
}
