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

    [Fact]
    public void YamlRoundTripsThroughTheRunRecord()
    {
        var o = TrainOptions.Load(RepoFile("configs/shapes-demo.yaml"));
        o.Apply(["lr=0.123", "milestones=3,5", "max_minutes=2.5", "labels=a b/l's.txt", "optimizer=adamw",
            "prior_sizes=0.1,0.2,0.3,0.4,0.5,0.6,0.7", "aspect_ratios=2", "t_max=40", "save_every=2", "crop_min_scale=0.5", "crop_max_aspect=1.25"]);
        var back = new TrainOptions();
        back.ApplyYaml(o.ToYaml(), "round trip");
        Assert.Equal(o.ToYaml(), back.ToYaml());
        Assert.Equal(0.123, back.Lr);
        Assert.Equal([3, 5], back.Milestones);
        Assert.Equal(2.5, back.MaxMinutes);
        Assert.Equal("a b/l's.txt", back.Labels);
        Assert.Equal(OptimizerKind.Adamw, back.Optimizer);
        Assert.Equal([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], back.PriorSizes);
        Assert.Equal([2.0], back.AspectRatios);
        Assert.Equal(40, back.TMax);
        Assert.Equal(2, back.SaveEvery);
        Assert.Equal(0.5, back.CropMinScale);
        Assert.Equal(1.25, back.CropMaxAspect);
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
