using SsdLite.Export.Quantization;

namespace SsdLite.Export.Tests.Quantization;

/// <summary>The encoding arithmetic against hand calculation.</summary>
public sealed class QuantParamsTests
{
    [Fact]
    public void AnActivationRangeBecomesScaleAndZeroPointHoldingZeroExactly()
    {
        // [-1, 3]: scale 4/255, zero point round(1 / (4/255)) = round(63.75) = 64.
        var e = QuantParams.ForRange(-1, 3);
        Assert.Equal(4f / 255, e.Scale, 7);
        Assert.Equal(64, e.ZeroPoint);
        // A range that excludes zero is widened to it: [2, 5] → [0, 5].
        e = QuantParams.ForRange(2, 5);
        Assert.Equal(5f / 255, e.Scale, 7);
        Assert.Equal(0, e.ZeroPoint);
        // Wholly negative: [-5, -1] → [-5, 0], zero point 255.
        Assert.Equal(255, QuantParams.ForRange(-5, -1).ZeroPoint);
    }

    [Fact]
    public void AReluSixRangeNeverReachesPastSixInFloat()
    {
        // ONNX Runtime drops the Clip only if 255 · scale ≤ 6 (within float epsilon) and the zero point is 0.
        foreach (var max in new[] { 6f, 7.5f, 5.999999f, 3f })
        {
            var e = QuantParams.ForRange(0, max, 6f);
            Assert.Equal(0, e.ZeroPoint);
            Assert.True(255f * e.Scale <= 6f, $"max {max}: 255 x {e.Scale} = {255f * e.Scale}");
            Assert.True(255f * e.Scale >= Math.Min(max, 6f) * 0.999999f, $"max {max}: the range shrank to {255f * e.Scale}");
        }
    }

    [Fact]
    public void WeightsArePerChannelSymmetricAndTinyScalesAreFlooredForTheBias()
    {
        // Channel 0: max |w| = 1 → scale 1/127; -0.5 · 127 = -63.5 rounds to even, -64. Bias 0.2 at 0.01/127 = 2540 steps.
        // Channel 1: max |w| = 0.01 → 0.01/127 = 7.87e-5, but a bias of 1000 needs 1000 / (0.01 · 2^30) = 9.31e-5.
        float[] weights = [1f, -0.5f, 0.01f, 0f];
        float[] bias = [0.2f, 1000f];
        var q = QuantParams.Conv(weights, 2, bias, inputScale: 0.01f);
        Assert.Equal(1f / 127, q.WeightScales[0], 7);
        Assert.Equal(new sbyte[] { 127, -64 }, q.Weights[..2]);
        Assert.Equal(2540, q.Bias![0]);
        var floor = 1000 / (0.01 * (1 << 30));
        Assert.Equal(floor, q.WeightScales[1], 9);
        Assert.InRange(q.Bias[1], (1 << 30) - 2, (1 << 30) + 2);
        Assert.Equal(Math.Round(0.01 / floor), q.Weights[2]);
        Assert.Equal(0.01f * q.WeightScales[1], q.BiasScales![1]);
        // A channel of zeros with no bias keeps a positive scale.
        Assert.Equal(QuantParams.MinWeightScale, QuantParams.Conv([0f, 0f], 1, [], 0.5f).WeightScales[0]);
    }

    [Fact]
    public void APercentileRangeDropsTheOutliersAMinMaxRangeKeeps()
    {
        var range = new TensorRange();
        var values = Enumerable.Range(0, 100_000).Select(i => i / 100_000f).Append(1000f).ToArray();
        range.AddMinMax(values);
        Assert.Equal((0f, 1000f), (range.Min, range.Max));
        range.StartHistogram();
        range.AddHistogram(values);
        // One value in 100,001 lies above 1: the 99.99th percentile leaves it out; bins are 1000/2048 wide.
        var (low, high) = range.PercentileRange(99.99);
        Assert.Equal(0f, low);
        Assert.InRange(high, 1f, 1f + (1000f / 2048));
        Assert.Equal((0f, 1000f), range.PercentileRange(100));
    }
}
