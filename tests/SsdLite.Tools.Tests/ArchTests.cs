using SsdLite.Backbone;
using SsdLite.Core;
using SsdLite.Data;
using SsdLite.Detection;
using SsdLite.Detection.Models;
using SsdLite.Platform.Checkpoints;
using SsdLite.Tools.Training;
using SsdLite.Vision;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SsdLite.Tools.Tests;

/// <summary>The architecture choice through the tools: config key, checkpoints, --pretrained, a short training run.</summary>
public sealed class ArchConfigTests
{
    private static string RepoFile(string relative)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SsdLite.sln"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root not found"), relative);
    }

    [Theory]
    [InlineData("configs/mb2-ssdlite-voc.yaml", SsdArch.Mb2SsdLite)]
    [InlineData("configs/mb1-ssd-voc.yaml", SsdArch.Mb1Ssd)]
    [InlineData("configs/mb1-ssd-lite-voc.yaml", SsdArch.Mb1SsdLite)]
    public void VocRecipesNameTheirArchAndShareTheOptimisation(string config, SsdArch arch)
    {
        var o = TrainOptions.Load(RepoFile(config));
        Assert.Equal(arch, o.Arch);
        Assert.Equal(0.01, o.Lr);
        Assert.Equal(0.9, o.Momentum);
        Assert.Equal(5e-4, o.WeightDecay);
        Assert.Equal(ScheduleKind.Cosine, o.Scheduler);
        Assert.Equal(200, o.Epochs);
        Assert.Equal(32, o.BatchSize);
        Assert.Equal(300, o.InputSize);
        Assert.Equal(1.0, o.Width);
        Assert.Equal(["data/VOCdevkit/VOC2007", "data/VOCdevkit/VOC2012"], o.Data);
        Assert.Equal(arch, o.ModelConfig(["a"]).Arch);
    }

    [Fact]
    public void ArchKeyRoundTripsAndDefaultsToMobileNetV2SsdLite()
    {
        Assert.Equal(SsdArch.Mb2SsdLite, new TrainOptions().Arch);
        var o = new TrainOptions();
        o.Apply(["arch=mb1-ssd-lite", "prior_sizes=0.1,0.2,0.35,0.5,0.65,0.8,0.95"]);
        Assert.Equal(SsdArch.Mb1SsdLite, o.Arch);
        Assert.Contains("arch: mb1-ssd-lite", o.ToYaml(), StringComparison.Ordinal);
        var back = new TrainOptions();
        back.ApplyYaml(o.ToYaml(), "round trip");
        Assert.Equal(SsdArch.Mb1SsdLite, back.Arch);
        // The custom prior table takes the other path through ModelConfig; both keep the arch.
        Assert.Equal(SsdArch.Mb1SsdLite, back.ModelConfig(["a"]).Arch);
        // A run record written before the key existed is an mb2-ssd-lite run.
        var old = new TrainOptions();
        old.ApplyYaml(string.Join('\n', o.ToYaml().Split('\n').Where(l => !l.StartsWith("arch:", StringComparison.Ordinal))), "old record");
        Assert.Equal(SsdArch.Mb2SsdLite, old.Arch);
    }

    [Fact]
    public void UnknownArchIsAnErrorNamingTheKeyAndTheChoices()
    {
        var e = Assert.Throws<ConfigException>(() => new TrainOptions().Apply(["arch=vgg16-ssd"]));
        Assert.Contains("'arch'", e.Message, StringComparison.Ordinal);
        Assert.Contains("mb2-ssd-lite | mb1-ssd-lite | mb1-ssd", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ArchFlagIsCheckedByTheParser()
    {
        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        try
        {
            var code = Program.BuildRoot().Parse(["detect", "--weights", "x.pth", "--arch", "mb3", "a.jpg"]).Invoke();
            Assert.NotEqual(0, code);
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.Contains("mb3", error.ToString(), StringComparison.Ordinal);
    }
}

public sealed class ArchPretrainedTests
{
    private static void SaveCheckpoint(SsdLiteModel model, string path) =>
        Checkpoint.Save(path,
            model.state_dict().Select(kv => new KeyValuePair<string, Tensor>(ModelWeights.ModelPrefix + kv.Key, kv.Value)),
            new Dictionary<string, string> { [ModelWeights.ConfigKey] = model.Config.ToJson() });

    [Fact]
    public void AnotherArchsCheckpointIsRefusedNamingBoth()
    {
        using var folder = new TempFolder("pretrained-arch");
        using var source = new SsdLiteModel(new SsdLiteConfig(["a"], 0.25, 64, arch: SsdArch.Mb1Ssd));
        SaveCheckpoint(source, folder["mb1.ckpt"]);
        using var target = new SsdLiteModel(new SsdLiteConfig(["a"], 0.25, 64));
        var e = Assert.Throws<ConfigException>(() => PretrainedWeights.Load(target, folder["mb1.ckpt"], _ => { }));
        Assert.Contains("mb1-ssd", e.Message, StringComparison.Ordinal);
        Assert.Contains("mb2-ssd-lite", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnotherClassCountOfAnMb1CheckpointLoadsAllButTheClassificationHeads()
    {
        using var folder = new TempFolder("pretrained-mb1");
        torch.manual_seed(3);
        using var source = new SsdLiteModel(new SsdLiteConfig(["a", "b"], 0.25, 64, arch: SsdArch.Mb1SsdLite));
        SaveCheckpoint(source, folder["source.ckpt"]);
        using var target = new SsdLiteModel(new SsdLiteConfig(["a", "b", "c"], 0.25, 64, arch: SsdArch.Mb1SsdLite));
        var messages = new List<string>();
        PretrainedWeights.Load(target, folder["source.ckpt"], messages.Add);
        var expected = source.state_dict();
        foreach (var (key, value) in target.state_dict())
        {
            if (key.StartsWith("classification_headers.", StringComparison.Ordinal)) continue;
            Assert.Equal(TensorBytes.Read(expected[key]), TensorBytes.Read(value));
        }
        Assert.Contains(messages, m => m.Contains("classification heads", StringComparison.Ordinal));
    }

    [Fact]
    public void AnImageNetMobileNetV1InitialisesTheMb1BaseNetOnly()
    {
        torch.manual_seed(5);
        using var imagenet = new MobileNetV1Classifier(1001, 0.25);
        using var weights = ModelWeights.FromStateDict("mobilenet_v1.pth",
            imagenet.state_dict().Select(kv => new KeyValuePair<string, Tensor>(kv.Key, kv.Value.clone())).ToList());
        using var target = new SsdLiteModel(new SsdLiteConfig(["a"], 0.25, 64, arch: SsdArch.Mb1Ssd));
        var messages = new List<string>();
        PretrainedWeights.Load(target, weights, messages.Add);
        var loaded = target.state_dict();
        foreach (var (key, value) in imagenet.state_dict().Where(kv => kv.Key.StartsWith("model.", StringComparison.Ordinal)))
            Assert.Equal(TensorBytes.Read(value), TensorBytes.Read(loaded["base_net." + key["model.".Length..]]));
        Assert.Contains(messages, m => m.Contains("base net loaded into base_net", StringComparison.Ordinal));
        Assert.DoesNotContain(messages, m => m.Contains("not in the file", StringComparison.Ordinal));

        // The same file cannot make a MobileNetV2 base net: refused, not half loaded.
        using var mb2 = new SsdLiteModel(new SsdLiteConfig(["a"], 0.25, 64));
        var e = Assert.Throws<ConfigException>(() => PretrainedWeights.Load(mb2, weights, _ => { }));
        Assert.Contains("mb2-ssd-lite", e.Message, StringComparison.Ordinal);
    }
}

[Collection("training")]
public sealed class ArchTrainingTests(ITestOutputHelper output)
{
    private static Dictionary<string, byte[]> TrainedBytes(string checkpoint)
    {
        using var data = Checkpoint.Load(checkpoint);
        return data.Tensors.Where(kv => kv.Key.StartsWith("model.", StringComparison.Ordinal) || kv.Key.StartsWith("optim.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => TensorBytes.Read(kv.Value));
    }

    /// <summary>
    /// The tiny run at its smallest: 20 images (12 for training, 3 steps of 4 per epoch), at the VOC recipes' rate and
    /// without warm-up: mb1-ssd's plain 3x3 heads (no BatchNorm) overshoot at the tiny run's 0.02, and in 9 steps a
    /// warm-up epoch would leave mb1-ssd-lite, the slower starter, too little to show.
    /// </summary>
    private static TrainOptions Run(string data, string outDir, SsdArch arch)
    {
        var options = TestData.TinyRun(data, outDir, 3);
        options.Arch = arch;
        options.Lr = 0.01;
        options.WarmupEpochs = 0;
        return options;
    }

    /// <summary>
    /// The MultiBox loss over the whole training split as one batch, without augmentation (the test transform) and
    /// with batch statistics in the BatchNorms: the same measure before and after training, free of the
    /// augmentation's noise that makes a few epochs' running loss go up and down.
    /// </summary>
    private static double TrainingSetLoss(SsdLiteModel model, string data)
    {
        var labels = Labels.Load(Path.Combine(data, "labels.txt"));
        var samples = DetectionDataset.Open([data], "train", labels);
        var config = model.Config;
        var size = config.InputSize;
        var priors = config.GeneratePriors();
        var p = priors.Length / 4;
        var matcher = new Matcher(priors, new BoxCoder(config.Priors));
        var transform = new SsdTestTransform(size);
        var images = new float[samples.Count * transform.OutputLength];
        var locations = new float[samples.Count * p * 4];
        var classes = new long[samples.Count * p];
        for (var i = 0; i < samples.Count; i++)
        {
            var sample = samples[i];
            transform.Apply(ImageIO.Read(sample.ImagePath), images.AsSpan(i * transform.OutputLength, transform.OutputLength));
            var objects = sample.TrainingObjects();
            var boxes = objects.SelectMany(o => new[]
            {
                o.Box.XMin / sample.Width, o.Box.YMin / sample.Height, o.Box.XMax / sample.Width, o.Box.YMax / sample.Height,
            }).ToArray();
            matcher.Encode(boxes, objects.Select(o => o.ClassId).ToArray(), default, locations.AsSpan(i * p * 4, p * 4), classes.AsSpan(i * p, p));
        }
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        model.train();
        var outputs = model.forward(torch.tensor(images, [samples.Count, 3, size, size]));
        using var parts = new MultiBoxLoss().Compute(outputs.Confidences, outputs.Locations,
            torch.tensor(classes, [samples.Count, p]), torch.tensor(locations, [samples.Count, p, 4]));
        return parts.Total().item<float>();
    }

    [Theory]
    [InlineData(SsdArch.Mb1Ssd)]
    [InlineData(SsdArch.Mb1SsdLite)]
    public void AShortRunLowersTheLossCarriesTheArchAndResumesBitForBit(SsdArch arch)
    {
        using var folder = new TempFolder($"train-{arch.Name()}");
        var data = TestData.Tiny(folder, images: 20);
        var options = Run(data, folder["straight"], arch);
        // The trainer's initial model: seeded, then built from the run's config.
        torch.manual_seed((long)options.Seed);
        using var initial = new SsdLiteModel(options.ModelConfig(Labels.Load(Path.Combine(data, "labels.txt")).Names));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var straight = new Trainer(options, new RecordingProgress()).Run();
        Assert.Equal(TrainOutcome.Completed, straight.Outcome);
        Assert.Equal(9, straight.Position.Step);
        Assert.Equal(arch, TrainingCheckpoint.ReadConfig(straight.LastCheckpoint).Arch);
        using (var detector = Detector.Load(straight.LastCheckpoint))
        {
            Assert.Equal(arch, detector.Config.Arch);
            var before = TrainingSetLoss(initial, data);
            var after = TrainingSetLoss(detector.Model, data);
            output.WriteLine($"{arch.Name()}: training-set loss {before:F3} before, {after:F3} after 9 steps ({clock.Elapsed.TotalSeconds:F1} s)");
            Assert.True(after < before, $"training-set loss {before} before, {after} after");
        }

        // Stopped inside epoch 2 and resumed: the same weights and momentum as the uninterrupted run, bit for bit.
        using var cancel = new CancellationTokenSource();
        var stopped = new Trainer(Run(data, folder["split"], arch), new RecordingProgress(cancel, 5)).Run(cancellationToken: cancel.Token);
        Assert.Equal(TrainOutcome.Stopped, stopped.Outcome);
        Assert.Equal(5, stopped.Position.Step);
        var resumed = new Trainer(Run(data, folder["split"], arch), new RecordingProgress()).Run(stopped.LastCheckpoint);
        Assert.Equal(9, resumed.Position.Step);
        output.WriteLine($"{arch.Name()}: stopped, resumed and compared after {clock.Elapsed.TotalSeconds:F1} s");
        var expected = TrainedBytes(straight.LastCheckpoint);
        var actual = TrainedBytes(resumed.LastCheckpoint);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        var differing = expected.Keys.Where(k => !expected[k].AsSpan().SequenceEqual(actual[k])).ToList();
        Assert.True(differing.Count == 0, $"{differing.Count} tensors differ, e.g. {string.Join(", ", differing.Take(3))}");
    }
}
