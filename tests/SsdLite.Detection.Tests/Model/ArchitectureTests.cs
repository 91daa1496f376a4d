using System.Text.Json.Nodes;
using SsdLite.Backbone;
using SsdLite.Core;
using SsdLite.Detection.Models;

namespace SsdLite.Detection.Tests.Model;

/// <summary>The three architectures against the reference's tables, and what tells them apart in files.</summary>
public class ArchitectureTests
{
    private static IReadOnlyList<string> Names(int count) => Enumerable.Range(1, count).Select(i => $"c{i}").ToList();

    private static SsdLiteConfig Config(SsdArch arch, int classes = 20, double width = 1.0, int inputSize = 300) =>
        new(Names(classes), width, inputSize, arch: arch);

    [Theory]
    [InlineData(SsdArch.Mb2SsdLite, 3_388_228L)]
    [InlineData(SsdArch.Mb1SsdLite, 4_312_388L)]
    [InlineData(SsdArch.Mb1Ssd, 9_468_996L)]
    public void ParameterCountsMatchTheReference(SsdArch arch, long expected)
    {
        using var model = new SsdLiteModel(Config(arch));
        Assert.Equal(expected, model.parameters().Sum(p => p.numel()));
    }

    [Theory]
    [InlineData(SsdArch.Mb1SsdLite, "mb1-ssd-lite-21-state-dict.txt")]
    [InlineData(SsdArch.Mb1Ssd, "mb1-ssd-21-state-dict.txt")]
    public void StateDictKeysAndShapesMatchTheReferenceTable(SsdArch arch, string table)
    {
        // Lines of the form "base_net.0.0.weight (32, 3, 3, 3)"; "()" is a scalar (num_batches_tracked).
        var expected = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", table))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l =>
            {
                var open = l.IndexOf(" (", StringComparison.Ordinal);
                var dims = l[(open + 2)..^1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                return (Key: l[..open], Shape: "[" + string.Join(", ", dims) + "]");
            }).ToList();
        using var model = new SsdLiteModel(Config(arch));
        var ours = model.state_dict().Select(kv => (kv.Key, Shape: "[" + string.Join(", ", kv.Value.shape) + "]")).ToList();
        Assert.Equal(expected.Count, ours.Count);
        Assert.Equal(expected, ours);
    }

    [Theory]
    [InlineData(SsdArch.Mb2SsdLite, 300)]
    [InlineData(SsdArch.Mb1SsdLite, 300)]
    [InlineData(SsdArch.Mb1Ssd, 300)]
    [InlineData(SsdArch.Mb1SsdLite, 160)]
    [InlineData(SsdArch.Mb1Ssd, 160)]
    [InlineData(SsdArch.Mb1Ssd, 96)]
    public void HeadOutputsHaveOneRowPerPriorForEveryArch(SsdArch arch, int size)
    {
        var config = Config(arch, classes: 4, width: 0.25, inputSize: size);
        using var model = new SsdLiteModel(config);
        model.eval();
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        using var outputs = model.forward(torch.zeros(new long[] { 1, 3, size, size }));
        var priors = config.GeneratePriors().Length / 4;
        Assert.Equal(new long[] { 1, priors, 5 }, outputs.Confidences.shape);
        Assert.Equal(new long[] { 1, priors, 4 }, outputs.Locations.shape);
        if (size == 300) Assert.Equal(3000, priors);
    }

    [Theory]
    [InlineData(SsdArch.Mb2SsdLite)]
    [InlineData(SsdArch.Mb1SsdLite)]
    [InlineData(SsdArch.Mb1Ssd)]
    public void FoldedCopyHasNoBatchNormAndEveryConv(SsdArch arch)
    {
        using var model = new SsdLiteModel(Config(arch, classes: 2, width: 0.25, inputSize: 96));
        using var folded = BatchNormFolding.Fold(model);
        var modules = folded.named_modules().Select(m => m.module).ToList();
        Assert.DoesNotContain(modules, m => m is BatchNorm);
        var convs = modules.OfType<Conv2d>().ToList();
        Assert.Equal(model.named_modules().Count(m => m.module is Conv2d), convs.Count);
        Assert.All(convs, c => Assert.NotNull(c.bias));
        Assert.Equal(model.BaseNet.Tap, folded.Tap);
    }

    [Fact]
    public void BackboneFollowsTheArch()
    {
        using var mb2 = new SsdLiteModel(Config(SsdArch.Mb2SsdLite, classes: 1));
        using var mb1 = new SsdLiteModel(Config(SsdArch.Mb1Ssd, classes: 1));
        Assert.IsType<MobileNetV2>(mb2.BaseNet);
        Assert.IsType<MobileNetV1>(mb1.BaseNet);
        Assert.Equal(new[] { 576, 1280, 512, 256, 256, 64 }, mb2.SourceChannels);
        Assert.Equal(new[] { 512, 1024, 512, 256, 256, 256 }, mb1.SourceChannels);
    }

    [Theory]
    [InlineData(SsdArch.Mb2SsdLite, "mb2-ssd-lite")]
    [InlineData(SsdArch.Mb1SsdLite, "mb1-ssd-lite")]
    [InlineData(SsdArch.Mb1Ssd, "mb1-ssd")]
    public void ArchNamesRoundTrip(SsdArch arch, string name)
    {
        Assert.Equal(name, arch.Name());
        Assert.Equal(arch, SsdArchs.Parse(name));
        Assert.Equal(arch, SsdArchs.Parse(name.ToUpperInvariant()));
        var config = new SsdLiteConfig(["a", "b"], 0.5, 160, ChannelRounding.Truncate, arch: arch);
        var back = SsdLiteConfig.FromJson(config.ToJson());
        Assert.Equal(arch, back.Arch);
        Assert.Contains($"\"arch\":\"{name}\"", config.ToJson(), StringComparison.Ordinal);
        Assert.Equal(arch, config.WithClassNames(["x", "y"]).Arch);
    }

    [Fact]
    public void UnknownArchNamesAreRefusedWithTheKnownOnes()
    {
        var e = Assert.Throws<FormatException>(() => SsdArchs.Parse("vgg16-ssd"));
        Assert.Contains("mb2-ssd-lite | mb1-ssd-lite | mb1-ssd", e.Message, StringComparison.Ordinal);
        var json = JsonNode.Parse(new SsdLiteConfig(["a"]).ToJson())!.AsObject();
        json["arch"] = "mb3-ssd-lite";
        Assert.Throws<FormatException>(() => SsdLiteConfig.FromJson(json.ToJsonString()));
    }

    [Fact]
    public void ConfigWithoutAnArchIsMobileNetV2SsdLite()
    {
        // Checkpoints written before the choice existed carry no arch key.
        var json = JsonNode.Parse(new SsdLiteConfig(["a"], arch: SsdArch.Mb1Ssd).ToJson())!.AsObject();
        Assert.True(json.Remove("arch"));
        Assert.Equal(SsdArch.Mb2SsdLite, SsdLiteConfig.FromJson(json.ToJsonString()).Arch);
    }

    [Theory]
    [InlineData(SsdArch.Mb2SsdLite)]
    [InlineData(SsdArch.Mb1SsdLite)]
    [InlineData(SsdArch.Mb1Ssd)]
    public void ReferenceKeysTellTheArch(SsdArch arch)
    {
        using var weights = StateDictOf(Config(arch, classes: 2, width: 0.25));
        Assert.Equal(WeightsFormat.ReferencePth, weights.Format);
        Assert.Equal(arch, weights.ReferenceArch());
        var config = Detector.ConfigFor(weights, ["a", "b"]);
        Assert.Equal(arch, config.Arch);
        Assert.Equal(0.25, config.Width);
    }

    [Theory]
    [InlineData(SsdArch.Mb1SsdLite)]
    [InlineData(SsdArch.Mb1Ssd)]
    public void WithoutExtrasAMobileNetV1FileNeedsTheArchNamed(SsdArch arch)
    {
        // MobileNetV1's base net and heads alone do not say whether its extras are plain or separable.
        using var weights = StateDictOf(Config(arch, classes: 2, width: 0.25), k => !k.StartsWith("extras.", StringComparison.Ordinal));
        Assert.Null(weights.ReferenceArch());
        var e = Assert.Throws<ArgumentException>(() => Detector.ConfigFor(weights, ["a", "b"]));
        Assert.Contains("--arch", e.Message, StringComparison.Ordinal);
        Assert.Contains("mb1-ssd-lite", e.Message, StringComparison.Ordinal);
        Assert.Equal(arch, Detector.ConfigFor(weights, ["a", "b"], arch).Arch);
    }

    [Fact]
    public void ANamedArchThatContradictsTheKeysIsRefused()
    {
        using var weights = StateDictOf(Config(SsdArch.Mb1Ssd, classes: 2, width: 0.25));
        var e = Assert.Throws<ArgumentException>(() => Detector.ConfigFor(weights, ["a", "b"], SsdArch.Mb2SsdLite));
        Assert.Contains("mb1-ssd", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("model.")]
    [InlineData("")]
    public void ImageNetMobileNetV1WeightsMapOntoTheBaseNet(string prefix)
    {
        // The reference's ImageNet MobileNetV1 (model.*, fc.*) and its --base_net files (the sequence's own keys).
        torch.manual_seed(8);
        using var classifier = new MobileNetV1Classifier(1001, 0.25);
        var source = classifier.state_dict()
            .Where(kv => prefix.Length > 0 || kv.Key.StartsWith("model.", StringComparison.Ordinal))
            .Select(kv => new KeyValuePair<string, Tensor>(prefix.Length > 0 ? kv.Key : kv.Key["model.".Length..], kv.Value.clone()))
            .ToList();
        using var weights = ModelWeights.FromStateDict("imagenet-mb1", source);
        Assert.Equal(WeightsFormat.BaseNetPth, weights.Format);
        var baseNet = weights.BaseNetTensors();
        using var model = new SsdLiteModel(Config(SsdArch.Mb1SsdLite, classes: 2, width: 0.25));
        var expected = model.state_dict().Keys.Where(k => k.StartsWith("base_net.", StringComparison.Ordinal)).ToList();
        Assert.Equal(expected.Order(StringComparer.Ordinal), baseNet.Select(kv => kv.Key).Order(StringComparer.Ordinal));
        var result = model.load_state_dict(baseNet, strict: false);
        Assert.Empty(result.UnexpectedKeys);
        Assert.DoesNotContain(result.MissingKeys, k => k.StartsWith("base_net.", StringComparison.Ordinal));
        var loaded = model.state_dict()["base_net.13.3.weight"].data<float>().ToArray();
        Assert.Equal(classifier.state_dict()["model.13.3.weight"].data<float>().ToArray(), loaded);
        Assert.Throws<InvalidDataException>(() => Detector.ConfigFor(weights, ["a", "b"]));
    }

    /// <summary>A fresh model's state dict as a reference file would hold it (copies, optionally some keys only).</summary>
    private static ModelWeights StateDictOf(SsdLiteConfig config, Func<string, bool>? keep = null)
    {
        using var model = new SsdLiteModel(config);
        var tensors = model.state_dict().Where(kv => keep?.Invoke(kv.Key) ?? true)
            .Select(kv => new KeyValuePair<string, Tensor>(kv.Key, kv.Value.clone().DetachFromDisposeScope())).ToList();
        return ModelWeights.FromStateDict("model.pth", tensors);
    }
}
