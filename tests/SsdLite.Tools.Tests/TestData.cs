using SsdLite.Data;
using SsdLite.Data.Synthetic;
using SsdLite.Tools.Bench;
using SsdLite.Tools.Training;

namespace SsdLite.Tools.Tests;

internal static class TestData
{
    /// <summary>A file of the reference's oracle (trained-c7.pth, labels-c7.txt, image.jpg, ...) copied beside the tests.</summary>
    public static string Oracle(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "oracle", name);

    /// <summary>A tiny set (small images, few objects) for tests that train for a few steps.</summary>
    public static string Tiny(TempFolder folder, int images = 40, int side = 96, int seed = 5)
    {
        var root = folder["data"];
        SyntheticVoc.Generate(new SyntheticVocOptions
        {
            Images = images,
            Width = side,
            Height = side,
            SizeJitter = 0,
            Seed = seed,
            MaxObjects = 3,
            TrainFraction = 0.6,
            ValFraction = 0.2,
        }, root);
        return root;
    }

    /// <summary>
    /// A bench of a tiny random network (width 0.35, 96x96, 2 classes and background, 2 timed iterations, no warm-up):
    /// the tests check the parts' rows, not their figures. Callers change what their part needs with <c>with</c>.
    /// </summary>
    public static BenchSettings TinyBench(BenchParts parts) => new()
    {
        Parts = parts,
        Width = 0.35,
        InputSize = 96,
        ClassCountWithBackground = 3,
        Iterations = 2,
        Warmup = 0,
    };

    /// <summary>A tiny-model run over <paramref name="data"/>: width 0.25, 64x64 input, batch 4, constant-free cosine schedule.</summary>
    /// <summary>
    /// The end-to-end recipe's shapes: 160x160, no clutter, at most 3 objects, none tiny, no validation split. The int8
    /// test draws a held-out set from the same distribution, so both take it from here.
    /// </summary>
    public static SyntheticVocOptions EndToEndShapes(int images, int seed, double trainFraction) => new()
    {
        Images = images,
        Clutter = false,
        Width = 160,
        Height = 160,
        SizeJitter = 0,
        Seed = seed,
        MaxObjects = 3,
        TinyFraction = 0,
        TrainFraction = trainFraction,
        ValFraction = 0,
    };

    public static TrainOptions TinyRun(string data, string outDir, int epochs) => new()
    {
        Data = [data],
        TrainSplit = "train",
        Width = 0.25,
        InputSize = 64,
        Epochs = epochs,
        BatchSize = 4,
        Lr = 0.02,
        WarmupEpochs = 1,
        Workers = 2,
        Seed = 11,
        ValEvery = 0,
        Out = outDir,
        LogEverySeconds = 3600,
    };
}

/// <summary>Collects progress messages; optionally cancels after a given global step.</summary>
internal sealed class RecordingProgress(CancellationTokenSource? cancel = null, int cancelAtStep = -1) : ITrainingProgress
{
    private int steps;

    public List<string> Messages { get; } = [];

    public List<StepReport> Steps { get; } = [];

    public void Run(Action body) => body();

    public void Step(in StepReport report)
    {
        lock (Steps) Steps.Add(report);
        if (++steps == cancelAtStep) cancel?.Cancel();
    }

    public void Message(string text)
    {
        lock (Messages) Messages.Add(text);
    }
}

[CollectionDefinition("training", DisableParallelization = true)]
public sealed class TrainingCollection;
