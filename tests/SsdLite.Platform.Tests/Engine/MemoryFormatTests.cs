using SsdLite.Platform.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace SsdLite.Platform.Tests.Engine;

public class MemoryFormatTests
{
    [Fact]
    public void ChannelsLastHasNhwcStridesAndTheSameValues()
    {
        using var scope = NewDisposeScope();
        var x = arange(2 * 3 * 4 * 5, dtype: ScalarType.Float32).reshape(2, 3, 4, 5);
        var cl = x.contiguous(MemoryFormat.ChannelsLast);
        Assert.Equal(new long[] { 2, 3, 4, 5 }, cl.shape);
        // NHWC strides for (N, C, H, W) = (2, 3, 4, 5): C 1, W 3, H 15, N 60.
        Assert.Equal(new long[] { 60, 1, 15, 3 }, cl.stride());
        Assert.True(cl.is_contiguous(MemoryFormat.ChannelsLast));
        Assert.False(x.is_contiguous(MemoryFormat.ChannelsLast));
        Assert.True(cl.eq(x).all().item<bool>());
    }

    [Fact]
    public void ConvolutionKeepsTheLayoutAndTheResult()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var conv = nn.Conv2d(3, 8, 3, padding: 1);
        var x = randn(2, 3, 9, 7);
        var expected = conv.forward(x);
        var parameter = conv.weight!;
        conv.to(MemoryFormat.ChannelsLast);
        Assert.Same(parameter, conv.weight);
        Assert.True(conv.weight!.is_contiguous(MemoryFormat.ChannelsLast));
        var y = conv.forward(x.contiguous(MemoryFormat.ChannelsLast));
        Assert.True(y.is_contiguous(MemoryFormat.ChannelsLast));
        Assert.True(y.allclose(expected, rtol: 0, atol: 1e-5));
    }
}
