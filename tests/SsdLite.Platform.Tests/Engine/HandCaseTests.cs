using SsdLite.Torch.NN;
using F = SsdLite.Torch.torch.nn.functional;

namespace SsdLite.Platform.Tests.Engine;

public class HandCaseTests
{
    private static void Close(double[] expected, float[] actual, double tol = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"[{i}] expected {expected[i]}, got {actual[i]}");
    }

    [Fact]
    public void Conv2dPlain()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, 1, 1, 3, 3);
        var w = torch.tensor(new float[] { 1, 2, 3, 4 }, 1, 1, 2, 2);
        var b = torch.tensor(new float[] { 0.5f }, 1);
        // out[i,j] = x[i,j] + 2 x[i,j+1] + 3 x[i+1,j] + 4 x[i+1,j+1] + 0.5
        Close(new double[] { 37.5, 47.5, 67.5, 77.5 }, F.conv2d(x, w, b).data<float>());
    }

    [Fact]
    public void Conv2dDepthwiseStride2Padding1()
    {
        using var scope = torch.NewDisposeScope();
        var data = new float[32];
        for (var i = 0; i < 16; i++) data[i] = i;
        for (var i = 16; i < 32; i++) data[i] = 1;
        var x = torch.tensor(data, 1, 2, 4, 4);
        var wData = new float[18];
        for (var i = 0; i < 9; i++) wData[i] = 1;
        for (var i = 9; i < 18; i++) wData[i] = 2;
        var w = torch.tensor(wData, 2, 1, 3, 3);
        var y = F.conv2d(x, w, null, stride: (2, 2), padding: (1, 1), groups: 2);
        Assert.Equal(new long[] { 1, 2, 2, 2 }, y.shape);
        // channel 0: sums of the 3x3 windows clipped by the zero padding; channel 1: 2 x the count of valid cells.
        Close(new double[] { 10, 24, 51, 90, 8, 12, 12, 18 }, y.data<float>());
    }

    [Fact]
    public void BatchNormTrainThenEval()
    {
        using var scope = torch.NewDisposeScope();
        using var bn = new BatchNorm2d(1);
        var x = torch.tensor(new float[] { 1, 3, 5, 7 }, 2, 1, 1, 2);
        var y = bn.call(x);
        // batch mean 4, biased variance 5 normalises; the running variance takes the unbiased 20/3.
        var s = Math.Sqrt(5 + 1e-5);
        Close(new[] { -3 / s, -1 / s, 1 / s, 3 / s }, y.data<float>());
        Close(new[] { 0.4 }, bn.running_mean.data<float>());
        Close(new[] { 0.9 + 0.1 * 20.0 / 3 }, bn.running_var.data<float>());
        Assert.Equal(1L, bn.num_batches_tracked.ToInt64());

        bn.eval();
        var e = bn.call(x);
        var rs = Math.Sqrt(0.9 + 2.0 / 3 + 1e-5);
        Close(new[] { (1 - 0.4) / rs, (3 - 0.4) / rs, (5 - 0.4) / rs, (7 - 0.4) / rs }, e.data<float>());
        Close(new[] { 0.4 }, bn.running_mean.data<float>());
        Assert.Equal(1L, bn.num_batches_tracked.ToInt64());
    }

    [Fact]
    public void CrossEntropyByHand()
    {
        using var scope = torch.NewDisposeScope();
        var logits = torch.tensor(new float[] { 1, 2, 3, 0, 0, 0 }, 2, 3);
        var target = torch.tensor(new long[] { 2, 1 }, 2);
        var expected0 = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3)) - 3;
        var expected1 = Math.Log(3);
        Close(new[] { expected0, expected1 }, F.cross_entropy(logits, target, reduction: Reduction.None).data<float>());
        Close(new[] { (expected0 + expected1) / 2 }, F.cross_entropy(logits, target).data<float>());
    }

    [Fact]
    public void SmoothL1ByHand()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new float[] { 0.5f, 2, -3 });
        var t = torch.zeros(new long[] { 3 });
        // |d| < 1: d^2/2; otherwise |d| - 1/2.
        Close(new[] { 0.125, 1.5, 2.5 }, F.smooth_l1_loss(x, t, Reduction.None).data<float>());
        Close(new[] { 4.125 }, F.smooth_l1_loss(x, t, Reduction.Sum).data<float>());
        Close(new[] { 1.375 }, F.smooth_l1_loss(x, t).data<float>());
    }

    [Fact]
    public void SortIsStableOnTies()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new float[] { 0.5f, 0.9f, 0.5f, 0.9f, 0.1f });
        var (_, idx) = x.sort(0, descending: true, stable: true);
        Assert.Equal(new long[] { 1, 3, 0, 2, 4 }, idx.data<long>());
    }
}
