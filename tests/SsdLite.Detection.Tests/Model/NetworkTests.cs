using SsdLite.Backbone;
using SsdLite.Core;
using SsdLite.Detection.Models;

namespace SsdLite.Detection.Tests.Model;

public class NetworkTests
{
    private static IReadOnlyList<string> Names(int count) => Enumerable.Range(1, count).Select(i => $"c{i}").ToList();

    [Fact]
    public void ParameterCountMatchesTheReference()
    {
        using var model = new SsdLiteModel(new SsdLiteConfig(Names(20)));
        var count = model.parameters().Sum(p => p.numel());
        Assert.Equal(3_388_228L, count);
    }

    [Fact]
    public void StateDictKeysAndShapesMatchTheReferenceTable()
    {
        var table = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", "mb2-ssd-lite-21-state-dict.txt"))
            .Where(l => !l.StartsWith('#') && l.Length > 0)
            .Select(l => l.Split('\t')).Select(p => (Key: p[0], Shape: p[2])).ToList();
        using var model = new SsdLiteModel(new SsdLiteConfig(Names(20)));
        var ours = model.state_dict().Select(kv => (kv.Key, Shape: "[" + string.Join(", ", kv.Value.shape) + "]")).ToList();
        Assert.Equal(table, ours);
    }

    // Stride-16 tap channels: hidden width of block 14 = round(make_divisible(96·w) · 6);
    // the last channel count stays 1280 for w ≤ 1 and is make_divisible(1280·w) above.
    [Theory]
    [InlineData(0.35, 192, 1280)]
    [InlineData(0.5, 288, 1280)]
    [InlineData(0.75, 432, 1280)]
    [InlineData(1.0, 576, 1280)]
    [InlineData(1.4, 816, 1792)]
    public void TapShapesPerWidth(double width, long tapChannels, long lastChannels)
    {
        using var net = new MobileNetV2(width);
        net.eval();
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var (s16, s32) = net.ForwardTaps(torch.zeros(new long[] { 1, 3, 300, 300 }));
        Assert.Equal(14, net.TapBlockIndex);
        Assert.Equal(new long[] { 1, tapChannels, 19, 19 }, s16.shape);
        Assert.Equal(new long[] { 1, lastChannels, 10, 10 }, s32.shape);
    }

    [Fact]
    public void TruncatingRoundingFollowsTheReferenceRepository()
    {
        // int(c·0.75): 24, 12, 18, 24, 48, 72, 120, 240; tap = round(72·6) = 432.
        using var net = new MobileNetV2(0.75, ChannelRounding.Truncate);
        Assert.Equal(432, net.TapChannels);
        using var divisible = new MobileNetV2(0.75);
        Assert.NotEqual(
            net.parameters().Sum(p => p.numel()),
            divisible.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void HeadOutputsHaveOneRowPerPrior()
    {
        using var model = new SsdLiteModel(new SsdLiteConfig(Names(6), width: 0.5, inputSize: 160));
        model.eval();
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        using var outputs = model.forward(torch.zeros(new long[] { 2, 3, 160, 160 }));
        // 160 → feature maps 10, 5, 3, 2, 1, 1: (100 + 25 + 9 + 4 + 1 + 1) · 6 priors.
        Assert.Equal(new[] { 10, 5, 3, 2, 1, 1 }, model.Config.FeatureMapSizes());
        Assert.Equal(new long[] { 2, 840, 7 }, outputs.Confidences.shape);
        Assert.Equal(new long[] { 2, 840, 4 }, outputs.Locations.shape);
        Assert.Equal(840 * 4, model.Config.GeneratePriors().Length);
    }

    [Fact]
    public void ConfigRoundTripsThroughJson()
    {
        var config = new SsdLiteConfig(new[] { "a", "b" }, 0.75, 224, ChannelRounding.Truncate);
        var back = SsdLiteConfig.FromJson(config.ToJson());
        Assert.Equal(config.ClassNames, back.ClassNames);
        Assert.Equal(0.75, back.Width);
        Assert.Equal(224, back.InputSize);
        Assert.Equal(ChannelRounding.Truncate, back.Rounding);
        Assert.Equal(config.GeneratePriors(), back.GeneratePriors());
    }

    [Fact]
    public void TorchvisionKeysMapToTheReferenceLayout()
    {
        var keys = new[]
        {
            "features.0.0.weight", "features.0.1.running_mean",
            "features.1.conv.0.0.weight", "features.1.conv.0.1.bias", "features.1.conv.1.weight", "features.1.conv.2.weight",
            "features.2.conv.0.0.weight", "features.2.conv.1.0.weight", "features.2.conv.1.1.weight", "features.2.conv.2.weight",
            "features.2.conv.3.num_batches_tracked", "features.18.1.weight", "classifier.1.weight",
        };
        var mapped = TorchvisionNames.ToReference(keys.Select(k => new KeyValuePair<string, int>(k, 0)).ToList(), "base_net.");
        Assert.Equal(new[]
        {
            "base_net.0.0.weight", "base_net.0.1.running_mean",
            "base_net.1.conv.0.weight", "base_net.1.conv.1.bias", "base_net.1.conv.3.weight", "base_net.1.conv.4.weight",
            "base_net.2.conv.0.weight", "base_net.2.conv.3.weight", "base_net.2.conv.4.weight", "base_net.2.conv.6.weight",
            "base_net.2.conv.7.num_batches_tracked", "base_net.18.1.weight", "classifier.1.weight",
        }, mapped.Select(kv => kv.Key));
    }
}

public class TorchvisionTableTests
{
    [Fact]
    public void TorchvisionMobileNetV2TableMapsOntoTheClassifierKeyForKey()
    {
        var table = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", "torchvision-mobilenet_v2-state-dict.txt"))
            .Where(l => !l.StartsWith('#') && l.Length > 0)
            .Select(l => l.Split('\t')).Select(p => new KeyValuePair<string, string>(p[0], p[2])).ToList();
        var mapped = TorchvisionNames.ToReference(table, "features.");
        using var model = new SsdLite.Backbone.MobileNetV2Classifier();
        var ours = model.state_dict().Select(kv => new KeyValuePair<string, string>(kv.Key, "[" + string.Join(", ", kv.Value.shape) + "]"));
        Assert.Equal(mapped.OrderBy(kv => kv.Key, StringComparer.Ordinal), ours.OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }
}
