using SsdLite.Core;
using TorchSharp;

namespace SsdLite.Backbone.Tests;

public class MobileNetV2Tests
{
    [Theory]
    // make_divisible(v, 8): nearest multiple of 8 (halves up), at least 8, bumped up when it loses more than 10%.
    [InlineData(32 * 0.35, 16)]   // 11.2 → 8 would lose 29%: 16
    [InlineData(16 * 0.5, 8)]
    [InlineData(24 * 0.75, 24)]   // 18 → 16 would lose 11%: 24
    [InlineData(96 * 1.4, 136)]   // 134.4 → 136
    [InlineData(1280 * 1.4, 1792)]
    [InlineData(3.0, 8)]
    public void MakeDivisibleByHand(double value, int expected) => Assert.Equal(expected, Channels.MakeDivisible(value));

    [Fact]
    public void HiddenWidthRoundsHalfToEvenAsPython()
    {
        Assert.Equal(256, Channels.Hidden(1280, 0.2));
        Assert.Equal(2, Channels.Hidden(5, 0.5));   // round(2.5) = 2 in Python 3
        Assert.Equal(4, Channels.Hidden(7, 0.5));   // round(3.5) = 4
    }

    [Fact]
    public void ImageNetClassifierHasTorchvisionsParameterCount()
    {
        // torchvision's mobilenet_v2 reports 3,504,872 parameters.
        using var model = new MobileNetV2Classifier();
        Assert.Equal(3_504_872L, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void ClassifierProducesLogitsPerClass()
    {
        using var model = new MobileNetV2Classifier(numClasses: 10, width: 0.35);
        model.eval();
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var logits = model.forward(torch.randn(2, 3, 96, 96));
        Assert.Equal(new long[] { 2, 10 }, logits.shape);
    }

    [Fact]
    public void InvertedResidualShortcutOnlyAtStrideOneAndEqualChannels()
    {
        using var same = new InvertedResidual(24, 24, 1, 6);
        using var strided = new InvertedResidual(24, 24, 2, 6);
        using var wider = new InvertedResidual(24, 32, 1, 6);
        using var noExpand = new InvertedResidual(32, 16, 1, 1);
        Assert.True(same.UseResidual);
        Assert.False(strided.UseResidual);
        Assert.False(wider.UseResidual);
        Assert.False(noExpand.HasExpansion);
        // depthwise (32·9) + BN (2·32) + project (16·32) + BN (2·16)
        Assert.Equal(32 * 9 + 64 + 16 * 32 + 32, noExpand.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void ResidualBlockAddsItsInput()
    {
        using var block = new InvertedResidual(8, 8, 1, 2);
        block.eval();
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        // With every projection weight zero, the block's branch is BN(0) = its bias: zero at initialisation.
        foreach (var (name, p) in block.named_parameters())
        {
            if (name == "conv.6.weight") p.zero_();
        }
        var x = torch.randn(1, 8, 5, 5);
        var y = block.forward(x);
        Assert.Equal(x.data<float>().ToArray(), y.data<float>().ToArray());
    }
}
