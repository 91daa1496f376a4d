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
        o.Apply(["lr=0.123", "milestones=3,5", "max_minutes=2.5", "labels=a b/l's.txt"]);
        var back = new TrainOptions();
        back.ApplyYaml(o.ToYaml(), "round trip");
        Assert.Equal(o.ToYaml(), back.ToYaml());
        Assert.Equal(0.123, back.Lr);
        Assert.Equal([3, 5], back.Milestones);
        Assert.Equal(2.5, back.MaxMinutes);
        Assert.Equal("a b/l's.txt", back.Labels);
    }
}
