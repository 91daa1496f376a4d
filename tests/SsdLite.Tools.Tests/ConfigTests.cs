using SsdLite.Tools.Training;

namespace SsdLite.Tools.Tests;

public sealed class ConfigTests
{
    private static string RepoFile(string relative)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SsdLite.sln"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root not found"), relative);
    }

    [Fact]
    public void UnknownKeyIsAnErrorNamingKeyAndFile()
    {
        using var folder = new TempFolder("config");
        var path = folder["bad.yaml"];
        File.WriteAllText(path, "epochs: 3\nlearning_rate: 0.1\n");
        var e = Assert.Throws<ConfigException>(() => TrainOptions.Load(path));
        Assert.Contains("learning_rate", e.Message);
        Assert.Contains(path, e.Message);
        Assert.Contains(":2", e.Message);
    }

    [Fact]
    public void TrainCommandExitsNonZeroOnUnknownKey()
    {
        using var folder = new TempFolder("config-cli");
        var path = folder["bad.yaml"];
        File.WriteAllText(path, "widht: 0.5\n");
        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        try
        {
            var code = Program.BuildRoot().Parse(["train", "--config", path]).Invoke();
            Assert.Equal(1, code);
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.Contains("widht", error.ToString());
    }

    [Fact]
    public void BadValueNamesTheKey()
    {
        var o = new TrainOptions();
        var e = Assert.Throws<ConfigException>(() => o.Apply(["batch_size=many"]));
        Assert.Contains("batch_size", e.Message);
        Assert.Throws<ConfigException>(() => o.Apply(["scheduler=linear"]));
    }

    [Fact]
    public void ReferenceRecipeHasThePublishedSettings()
    {
        var o = TrainOptions.Load(RepoFile("configs/mb2-ssdlite-voc.yaml"));
        Assert.Equal(0.01, o.Lr);
        Assert.Equal(0.9, o.Momentum);
        Assert.Equal(5e-4, o.WeightDecay);
        Assert.Equal(ScheduleKind.Cosine, o.Scheduler);
        Assert.Equal(200, o.Epochs);
        Assert.Equal(32, o.BatchSize);
        Assert.Equal(300, o.InputSize);
        Assert.Equal(1.0, o.Width);
        Assert.Equal(["data/VOCdevkit/VOC2007", "data/VOCdevkit/VOC2012"], o.Data);
        Assert.Equal("trainval", o.TrainSplit);
        Assert.Equal("test", o.ValSplit);
    }

    // Written by hand: every key, each set away from its default, in the forms users write (flow and block lists,
    // quoted and plain strings, snake_case enum names). Validate would refuse freeze_base_net with freeze_net; binding
    // does not judge combinations.
    private const string HandWritten = """
        arch: mb1-ssd
        width: 0.75
        input_size: 320
        rounding: truncate
        data:
          - data/a
          - 'data/b c'
        train_split: train
        val_data: data/val
        val_split: val
        labels: "a b/l's.txt"
        format: coco
        images: data/images
        keep_difficult: true
        strict: true
        workers: 3
        prior_sizes: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
        aspect_ratios: [2]
        optimizer: adamw
        beta2: 0.98
        epochs: 12
        batch_size: 6
        precision: bf16
        lr: 0.123
        momentum: 0.8
        weight_decay: 0.0001
        scheduler: multi_step
        milestones: [3, 5]
        gamma: 0.5
        warmup_epochs: 1.5
        warmup_factor: 0.2
        t_max: 40
        seed: 18446744073709551615
        device: cuda:1
        out: runs/x
        val_every: 2
        val_max_images: 50
        pretrained: mobilenet_v2-b0353104
        max_minutes: 2.5
        log_every_seconds: 7
        save_every: 2
        expand_max_ratio: 3
        expand_probability: 0.25
        crop_min_scale: 0.5
        crop_max_aspect: 1.25
        freeze_base_net: true
        freeze_net: true
        freeze_bn: false
        base_net_lr: 0.001
        extra_layers_lr: 0.002
        balance_data: true
        max_pixels: 5000
        """;

    [Fact]
    public void AHandWrittenConfigSetsEveryKey()
    {
        var o = new TrainOptions();
        o.ApplyYaml(HandWritten, "hand-written");
        var written = HandWritten.Split('\n').Where(l => l.Length > 0 && !char.IsWhiteSpace(l[0])).Select(l => l[..l.IndexOf(':', StringComparison.Ordinal)]);
        Assert.Equal(TrainOptions.Keys.Order(StringComparer.Ordinal), written.Order(StringComparer.Ordinal)); // a new key must join this file
        Assert.Equal(SsdLite.Core.SsdArch.Mb1Ssd, o.Arch);
        Assert.Equal(0.75, o.Width);
        Assert.Equal(320, o.InputSize);
        Assert.Equal(SsdLite.Core.ChannelRounding.Truncate, o.Rounding);
        Assert.Equal(["data/a", "data/b c"], o.Data);
        Assert.Equal(("train", "data/val", "val"), (o.TrainSplit, o.ValData, o.ValSplit));
        Assert.Equal("a b/l's.txt", o.Labels);
        Assert.Equal(SsdLite.Data.DatasetFormat.Coco, o.Format);
        Assert.Equal("data/images", o.Images);
        Assert.True(o.KeepDifficult && o.Strict);
        Assert.Equal(3, o.Workers);
        Assert.Equal([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], o.PriorSizes);
        Assert.Equal([2.0], o.AspectRatios);
        Assert.Equal((OptimizerKind.Adamw, 0.98), (o.Optimizer, o.Beta2));
        Assert.Equal((12, 6, TrainPrecision.Bf16), (o.Epochs, o.BatchSize, o.Precision));
        Assert.Equal((0.123, 0.8, 0.0001), (o.Lr, o.Momentum, o.WeightDecay));
        Assert.Equal(ScheduleKind.MultiStep, o.Scheduler);
        Assert.Equal([3, 5], o.Milestones);
        Assert.Equal((0.5, 1.5, 0.2), (o.Gamma, o.WarmupEpochs, o.WarmupFactor));
        Assert.Equal(40, o.TMax);
        Assert.Equal(ulong.MaxValue, o.Seed);
        Assert.Equal(("cuda:1", "runs/x"), (o.Device, o.Out));
        Assert.Equal((2, 50), (o.ValEvery, o.ValMaxImages));
        Assert.Equal("mobilenet_v2-b0353104", o.Pretrained);
        Assert.Equal(2.5, o.MaxMinutes);
        Assert.Equal((7, 2), (o.LogEverySeconds, o.SaveEvery));
        Assert.Equal((3.0, 0.25, 0.5, 1.25), (o.ExpandMaxRatio, o.ExpandProbability, o.CropMinScale, o.CropMaxAspect));
        Assert.Equal((true, true, false), (o.FreezeBaseNet, o.FreezeNet, o.FreezeBn));
        Assert.Equal((0.001, 0.002), (o.BaseNetLr, o.ExtraLayersLr));
        Assert.True(o.BalanceData);
        Assert.Equal(5000, o.MaxPixels);
    }

    [Fact]
    public void TheRunRecordReadsBackAsTheSameSettings()
    {
        var o = new TrainOptions();
        o.ApplyYaml(HandWritten, "hand-written");
        var back = new TrainOptions();
        back.ApplyYaml(o.ToYaml(), "run record");
        var defaults = new TrainOptions();
        foreach (var property in typeof(TrainOptions).GetProperties().Where(p => p.CanWrite))
        {
            var (expected, actual) = (Comparable(property.GetValue(o)), Comparable(property.GetValue(back)));
            Assert.True(Equals(expected, actual), $"{property.Name}: {expected} written, {actual} read back");
            Assert.False(Equals(expected, Comparable(property.GetValue(defaults))), $"{property.Name} is at its default, so the check proves nothing");
        }
        var nulls = new TrainOptions();
        nulls.Apply(["val_data=null", "t_max=null", "format=null", "base_net_lr=null"]);
        var nullsBack = new TrainOptions { ValData = "x", TMax = 3, Format = SsdLite.Data.DatasetFormat.Voc, BaseNetLr = 1 };
        nullsBack.ApplyYaml(nulls.ToYaml(), "nulls");
        Assert.Equal((null, null, null, null), (nullsBack.ValData, nullsBack.TMax, nullsBack.Format, nullsBack.BaseNetLr));
    }

    private static object? Comparable(object? value) => value is System.Collections.IEnumerable list and not string
        ? string.Join("|", list.Cast<object>().Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)))
        : value;

    [Fact]
    public void AMisspeltKeyNamesTheNearestKnownOne()
    {
        var e = Assert.Throws<ConfigException>(() => new TrainOptions().ApplyYaml("epochs: 3\nbalance_dat: true\n", "typo.yaml"));
        Assert.Contains("'balance_dat'", e.Message);
        Assert.Contains("did you mean 'balance_data'?", e.Message, StringComparison.Ordinal);
        Assert.Contains("typo.yaml:2", e.Message, StringComparison.Ordinal);
        var value = Assert.Throws<ConfigException>(() => new TrainOptions().ApplyYaml("epochs: 3\nlr: fast\n", "value.yaml"));
        Assert.Contains("value.yaml:2: bad value 'fast' for 'lr'", value.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PriorSizesBuildThePriorTableForTheInputSize()
    {
        var o = new TrainOptions { InputSize = 160 };
        o.Apply(["prior_sizes=0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95", "aspect_ratios=2"]);
        o.Data = ["unused"];
        o.Validate();
        var config = o.ModelConfig(["a", "b"]);
        Assert.Equal([10, 5, 3, 2, 1, 1], config.Priors.Sources.Select(b => b.FeatureMapSize));
        Assert.Equal(16f, config.Priors.Sources[0].MinSize, 4);
        Assert.Equal(32f, config.Priors.Sources[0].MaxSize, 4);
        Assert.Equal(152f, config.Priors.Sources[5].MaxSize, 4);
        var priors = config.GeneratePriors();
        // 10·10 + 5·5 + 9 + 4 + 1 + 1 = 140 cells, 4 boxes each (two squares, 2:1 and 1:2).
        Assert.Equal(140 * 4 * 4, priors.Length);
        // First cell of the 10x10 map: centre (0.5 / 10, 0.5 / 10); squares 16/160 and √(16·32)/160; then 2:1.
        Assert.Equal([0.05f, 0.05f, 0.1f, 0.1f], priors[..4]);
        Assert.Equal(Math.Sqrt(0.1 * 0.2), priors[6], 5);
        Assert.Equal(0.1 * Math.Sqrt(2), priors[10], 5);
        Assert.Equal(0.1 / Math.Sqrt(2), priors[11], 5);
        var back = SsdLite.Core.SsdLiteConfig.FromJson(config.ToJson());
        Assert.Equal(priors, back.GeneratePriors());
    }

    [Theory]
    [InlineData("prior_sizes=[0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95]")]
    [InlineData("prior_sizes= [0.1,0.2,0.35,0.5,0.65,0.8,0.95] ")]
    public void ListOverridesAcceptYamlFlowBrackets(string assignment)
    {
        var o = new TrainOptions();
        o.Apply([assignment, "data=[a, b]"]);
        Assert.Equal([0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95], o.PriorSizes);
        Assert.Equal(["a", "b"], o.Data);
    }

    [Fact]
    public void ReferenceFractionsAsPriorSizesGiveTheScaledReferenceTable()
    {
        var plain = new TrainOptions { InputSize = 160 }.ModelConfig(["a"]).GeneratePriors();
        var o = new TrainOptions { InputSize = 160 };
        o.Apply(["prior_sizes=0.2, 0.35, 0.5, 0.65, 0.8, 0.95, 1.1"]);
        var explicitSizes = o.ModelConfig(["a"]).GeneratePriors();
        Assert.Equal(plain.Length, explicitSizes.Length);
        for (int i = 0; i < plain.Length; i++) Assert.Equal(plain[i], explicitSizes[i], 5);
    }

    [Fact]
    public void DefaultPriorsAreTheReferenceTable()
    {
        var config = new TrainOptions().ModelConfig(["a"]);
        Assert.Same(SsdLite.Core.PriorSpec.Reference, config.Priors);
        Assert.Equal(3000, config.GeneratePriors().Length / 4);
    }

    [Theory]
    [InlineData("prior_sizes=0.1,0.2,0.3")]
    [InlineData("prior_sizes=0.1,0.3,0.2,0.4,0.5,0.6,0.7")]
    [InlineData("prior_sizes=0,0.2,0.3,0.4,0.5,0.6,0.7")]
    public void BadPriorSizesAreRefusedNamingTheKey(string assignment)
    {
        var o = new TrainOptions { Data = ["unused"] };
        o.Apply([assignment]);
        var e = Assert.Throws<ConfigException>(o.Validate);
        Assert.Contains("prior_sizes", e.Message);
        Assert.Contains("7 increasing", e.Message);
    }

    [Fact]
    public void OptimizerKeyAcceptsSgdAndAdamWOnly()
    {
        var o = new TrainOptions();
        o.Apply(["optimizer=adamw"]);
        Assert.Equal(OptimizerKind.Adamw, o.Optimizer);
        o.Apply(["optimizer=sgd"]);
        Assert.Equal(OptimizerKind.Sgd, o.Optimizer);
        var e = Assert.Throws<ConfigException>(() => o.Apply(["optimizer=rmsprop"]));
        Assert.Contains("optimizer", e.Message);
    }
}
