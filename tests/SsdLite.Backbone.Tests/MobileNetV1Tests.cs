using SsdLite.Core;
using TorchSharp;

namespace SsdLite.Backbone.Tests;

public class MobileNetV1Tests
{
    [Fact]
    public void ImageNetClassifierHasThePublishedParameterCount()
    {
        // Keras' MobileNet (alpha 1.0) reports 4,231,976 trainable parameters: convs, BN scales and shifts, and the
        // 1024 -> 1000 classifier with its bias; running statistics are buffers here, non-trainable there.
        using var model = new MobileNetV1Classifier();
        Assert.Equal(4_231_976L, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void KeysFollowTheReferenceSequence()
    {
        using var net = new MobileNetV1();
        var keys = net.state_dict().Keys.ToList();
        Assert.Equal(14, net.Count);
        Assert.Contains("0.0.weight", keys);
        Assert.Contains("0.1.running_var", keys);
        Assert.Contains("1.0.weight", keys);
        Assert.Contains("1.3.weight", keys);
        Assert.Contains("13.4.num_batches_tracked", keys);
        Assert.DoesNotContain(keys, k => k.EndsWith(".bias", StringComparison.Ordinal) && !IsBatchNorm(k));
        using var classifier = new MobileNetV1Classifier(1001);
        var classifierKeys = classifier.state_dict().Keys.ToList();
        Assert.Contains("model.13.3.weight", classifierKeys);
        Assert.Contains("fc.weight", classifierKeys);
        Assert.Equal(new long[] { 1001, 1024 }, classifier.fc.weight.shape);
    }

    private static bool IsBatchNorm(string key) => key.Split('.')[1] is "1" or "4";

    [Theory]
    // Channels of the two sources: make_divisible(512·α) and make_divisible(1024·α).
    [InlineData(0.25, 300, 128, 256, 19, 10)]
    [InlineData(0.5, 300, 256, 512, 19, 10)]
    [InlineData(0.75, 300, 384, 768, 19, 10)]
    [InlineData(1.0, 300, 512, 1024, 19, 10)]
    // 160 px (the resolution multiplier): four stride-2 layers 160 → 80 → 40 → 20 → 10, then 5.
    [InlineData(0.25, 160, 128, 256, 10, 5)]
    [InlineData(0.5, 160, 256, 512, 10, 5)]
    [InlineData(0.75, 160, 384, 768, 10, 5)]
    [InlineData(1.0, 160, 512, 1024, 10, 5)]
    public void TapShapesPerWidthAndResolution(double width, int size, long tapChannels, long lastChannels, long tapSide, long lastSide)
    {
        using var net = new MobileNetV1(width);
        net.eval();
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var (s16, s32) = net.ForwardTaps(torch.zeros(new long[] { 1, 3, size, size }));
        Assert.Equal(FeatureTap.OutputOf(11), net.Tap);
        Assert.Equal(tapChannels, net.TapChannels);
        Assert.Equal(lastChannels, net.LastChannelCount);
        Assert.Equal(new long[] { 1, tapChannels, tapSide, tapSide }, s16.shape);
        Assert.Equal(new long[] { 1, lastChannels, lastSide, lastSide }, s32.shape);
    }

    [Fact]
    public void TapIsTheOutputOfBlockElevenAndTheLastOutputContinuesFromIt()
    {
        torch.manual_seed(3);
        using var net = new MobileNetV1(0.25);
        net.eval();
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(1, 3, 64, 64);
        var (s16, s32) = net.ForwardTaps(x);
        var y = x;
        for (var i = 0; i <= 11; i++) y = net[i].forward(y);
        Assert.Equal(y.data<float>().ToArray(), s16.data<float>().ToArray());
        var whole = net.forward(x);
        Assert.Equal(whole.data<float>().ToArray(), s32.data<float>().ToArray());
    }

    [Fact]
    public void TruncatingRoundingScalesAsTheReferenceRepository()
    {
        // int(512·0.3) = 153 where make_divisible gives 152; int(1024·0.3) = 307 (make_divisible: 304).
        using var truncated = new MobileNetV1(0.3, ChannelRounding.Truncate);
        using var divisible = new MobileNetV1(0.3);
        Assert.Equal(153, truncated.TapChannels);
        Assert.Equal(307, truncated.LastChannelCount);
        Assert.Equal(152, divisible.TapChannels);
        Assert.Equal(304, divisible.LastChannelCount);
    }

    [Fact]
    public void ClassifierProducesLogitsPerClass()
    {
        using var model = new MobileNetV1Classifier(numClasses: 10, width: 0.25);
        model.eval();
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var logits = model.forward(torch.randn(2, 3, 96, 96));
        Assert.Equal(new long[] { 2, 10 }, logits.shape);
    }
}
