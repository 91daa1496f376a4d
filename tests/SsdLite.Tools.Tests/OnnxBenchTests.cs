using SsdLite.Tools.Bench;

namespace SsdLite.Tools.Tests;

/// <summary>
/// bench --part onnx runs end to end: both runtimes on the same batch, the speed-up as their ratio, and the int8 export
/// beside the float one with the convolutions ONNX Runtime runs as integer kernels counted.
/// </summary>
[Collection("training")]
public sealed class OnnxBenchTests
{
    [Fact]
    public void OnnxPartTimesBothRuntimesAndTheirRatio()
    {
        var settings = TestData.TinyBench(BenchParts.Onnx) with
        {
            InferenceBatchSizes = [2],
            Threads = 1,
        };
        var rows = OnnxBench.Run(settings).ToList();
        var torch = rows.Single(r => r.Case.Contains("TorchSharp detector", StringComparison.Ordinal));
        var onnx = rows.Single(r => r.Case.Contains("ONNX Runtime, 1 threads", StringComparison.Ordinal));
        var ratio = rows.Single(r => r.Case.Contains("speed-up", StringComparison.Ordinal));
        Assert.All(rows.Where(r => r.Unit != "nodes"), r => Assert.Equal(2, r.Samples));
        Assert.Equal(2 * 1000 / torch.Median, torch.Throughput!.Value, 6);
        // The ratio is taken round by round, so it lies between the extreme per-round ratios of the two rows.
        Assert.InRange(ratio.Median, torch.Min / onnx.Max, torch.Max / onnx.Min);
        Assert.Single(rows, r => r.Case.Contains("ONNX Runtime alone, 1 threads", StringComparison.Ordinal));

        var int8 = rows.Single(r => r.Case.Contains("ONNX Runtime int8, 1 threads", StringComparison.Ordinal));
        var int8Ratio = rows.Single(r => r.Case.Contains("int8 over fp32", StringComparison.Ordinal));
        Assert.InRange(int8Ratio.Median, onnx.Min / int8.Max, onnx.Max / int8.Min);
        Assert.Single(rows, r => r.Case.Contains("ONNX Runtime int8 alone, 1 threads", StringComparison.Ordinal));
        // The pair's ratio is a median of per-round ratios, each of positive times: finite and positive.
        var pair = rows.Single(r => r.Case.Contains("int8 against fp32, the two interleaved alone", StringComparison.Ordinal));
        Assert.Equal("x", pair.Unit);
        Assert.True(pair.Median > 0 && double.IsFinite(pair.Median) && pair.Min <= pair.Median && pair.Median <= pair.Max);
        // MobileNetV2 SSD-Lite has 86 convolutions at any width: 52 in the backbone, 12 in the extras, 22 in the heads.
        Assert.Equal(86, rows.Single(r => r.Case.StartsWith("fp32 model, float convolutions", StringComparison.Ordinal)).Median);
        Assert.Equal(86, rows.Single(r => r.Case.StartsWith("int8 model, QLinearConv", StringComparison.Ordinal)).Median);
        Assert.Equal(0, rows.Single(r => r.Case.StartsWith("int8 model, float convolutions", StringComparison.Ordinal)).Median);
        Assert.Equal(12, rows.Count); // 3 graph counts and 9 rows for the one batch size
    }
}
