using SsdLite.Core;
using SsdLite.Detection.Models;
using SsdLite.Platform.Engine;

namespace SsdLite.Detection.Tests.Model;

/// <summary>Channels last is a memory layout only: the same weights give the same outputs and gradients.</summary>
[Collection("Generator")]
public class ChannelsLastTests
{
    // Seeded (the class runs alone, see GeneratorCollection) so every run checks the same weights; the second model
    // copies the first's weights rather than drawing them again.
    private static (SsdLiteModel Plain, SsdLiteModel Nhwc) Pair(SsdLiteConfig config)
    {
        torch.manual_seed(11);
        var plain = new SsdLiteModel(config);
        var nhwc = new SsdLiteModel(config);
        nhwc.load_state_dict(plain.state_dict());
        nhwc.to(MemoryFormat.ChannelsLast);
        return (plain, nhwc);
    }

    [Fact]
    public void RelayoutKeepsValuesAndLaysConvWeightsOutChannelsLast()
    {
        var config = new SsdLiteConfig(new[] { "a", "b" }, width: 0.35, inputSize: 96);
        var (plain, nhwc) = Pair(config);
        using var _plain = plain;
        using var _nhwc = nhwc;
        var before = plain.state_dict().ToList();
        var after = nhwc.state_dict().ToList();
        Assert.Equal(before.Select(kv => kv.Key), after.Select(kv => kv.Key));
        for (var i = 0; i < before.Count; i++)
        {
            using var a = before[i].Value.to(ScalarType.Float64);
            using var b = after[i].Value.to(ScalarType.Float64);
            Assert.Equal(a.data<double>().ToArray(), b.data<double>().ToArray());
            if (after[i].Value.dim() == 4) Assert.True(after[i].Value.is_contiguous(MemoryFormat.ChannelsLast), after[i].Key);
        }
        Assert.All(nhwc.parameters(), p => Assert.True(p.requires_grad));
    }

    [Theory]
    [InlineData(SsdArch.Mb2SsdLite)]
    [InlineData(SsdArch.Mb1SsdLite)]
    [InlineData(SsdArch.Mb1Ssd)]
    public void EvalForwardMatchesTheNchwModel(SsdArch arch)
    {
        var config = new SsdLiteConfig(new[] { "a", "b" }, width: 0.35, inputSize: 96, arch: arch);
        var (plain, nhwc) = Pair(config);
        using var _plain = plain;
        using var _nhwc = nhwc;
        plain.eval();
        nhwc.eval();
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        torch.manual_seed(13);
        var images = torch.randn(new long[] { 2, 3, 96, 96 });
        var a = plain.forward(images);
        var b = nhwc.forward(images.contiguous(MemoryFormat.ChannelsLast));
        var sa = a.Confidences.contiguous().data<float>().ToArray();
        var sb = b.Confidences.contiguous().data<float>().ToArray();
        var la = a.Locations.contiguous().data<float>().ToArray();
        var lb = b.Locations.contiguous().data<float>().ToArray();
        Assert.True(MaxAbsDiff(sa, sb) < 1e-5 * sa.Max(Math.Abs), $"scores differ by {MaxAbsDiff(sa, sb)}");
        Assert.True(MaxAbsDiff(la, lb) < 1e-5 * la.Max(Math.Abs), $"locations differ by {MaxAbsDiff(la, lb)}");
    }

    [Theory]
    [InlineData(SsdArch.Mb2SsdLite)]
    [InlineData(SsdArch.Mb1SsdLite)]
    [InlineData(SsdArch.Mb1Ssd)]
    public void TrainModeGradientsMatchTheNchwModel(SsdArch arch)
    {
        var config = new SsdLiteConfig(new[] { "a", "b" }, width: 0.35, inputSize: 96, arch: arch);
        var (plain, nhwc) = Pair(config);
        using var _plain = plain;
        using var _nhwc = nhwc;
        var priors = config.GeneratePriors().Length / 4;
        torch.manual_seed(12);
        using var images = torch.randn(new long[] { 8, 3, 96, 96 }).DetachFromDisposeScope();
        using var gt = torch.randn(new long[] { 8, priors, 4 }).DetachFromDisposeScope();
        using var labels = torch.rand(new long[] { 8, priors }).mul(3).floor().to(ScalarType.Int64).DetachFromDisposeScope();
        using var x = images.contiguous(MemoryFormat.ChannelsLast);
        var lossA = Backward(plain, images, labels, gt);
        var lossB = Backward(nhwc, x, labels, gt);
        // Train-mode BatchNorm over the 1x1 extras (8 values each) magnifies summation-order differences: in torch 1.13
        // itself the float32 NCHW gradients of this net differ from float64 by 0.7-1.2% and its channels-last ones by
        // 1.3-5.9% (relative norm). A layout mistake would differ by the gradients' own size (100%).
        Assert.True(Math.Abs(lossA - lossB) < 1e-3 * lossA, $"loss {lossA} vs {lossB}");
        var pa = plain.named_parameters().ToList();
        var pb = nhwc.named_parameters().ToList();
        var norms = new double[pa.Count];
        var diffs = new double[pa.Count];
        for (var i = 0; i < pa.Count; i++)
        {
            var ga = pa[i].parameter.grad!.contiguous().data<float>().ToArray();
            var gb = pb[i].parameter.grad!.contiguous().data<float>().ToArray();
            norms[i] = Math.Sqrt(ga.Sum(v => (double)v * v));
            diffs[i] = Math.Sqrt(ga.Zip(gb).Sum(p => (double)(p.First - p.Second) * (p.First - p.Second)));
        }
        // Tensors whose gradient is mostly noise (a BatchNorm's shift before another BatchNorm: ~1e-6) are held to
        // the scale of the largest gradient instead of their own.
        var floor = 1e-2 * norms.Max();
        for (var i = 0; i < pa.Count; i++)
        {
            Assert.True(diffs[i] <= 0.1 * Math.Max(norms[i], floor), $"{pa[i].name}: gradient differs by {diffs[i]} (norm {norms[i]})");
        }
        // Over all parameters 1-2% was seen with unseeded weights; torch's own channels-last gradients stray up to 5.9%
        // per tensor from float64.
        var total = Math.Sqrt(diffs.Sum(d => d * d)) / Math.Sqrt(norms.Sum(n => n * n));
        Assert.True(total < 0.05, $"all gradients differ by {total:P2}");
    }

    private static double Backward(SsdLiteModel model, Tensor x, Tensor labels, Tensor gt)
    {
        using var _ = torch.NewDisposeScope();
        model.zero_grad();
        var outputs = model.forward(x);
        using var parts = new MultiBoxLoss().Compute(outputs.Confidences, outputs.Locations, labels, gt);
        var total = parts.Total();
        total.backward();
        return total.item<float>();
    }

    private static double MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        var max = 0.0;
        for (var i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
