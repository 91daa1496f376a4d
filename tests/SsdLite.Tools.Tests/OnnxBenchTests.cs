using SsdLite.Tools.Bench;

namespace SsdLite.Tools.Tests;

/// <summary>bench --part onnx runs end to end: both runtimes on the same batch, the speed-up as their ratio.</summary>
[Collection("training")]
public sealed class OnnxBenchTests
{
    [Fact]
    public void OnnxPartTimesBothRuntimesAndTheirRatio()
    {
        var settings = new BenchSettings
        {
            Parts = BenchParts.Onnx,
            Width = 0.35,
            InputSize = 96,
            NumClasses = 3,
            Iterations = 2,
            Warmup = 0,
            InferenceBatchSizes = [2],
            Threads = 1,
        };
        var rows = OnnxBench.Run(settings).ToList();
        var torch = rows.Single(r => r.Case.Contains("TorchSharp detector", StringComparison.Ordinal));
        var onnx = rows.Single(r => r.Case.Contains("ONNX Runtime, 1 threads", StringComparison.Ordinal));
        var ratio = rows.Single(r => r.Case.Contains("speed-up", StringComparison.Ordinal));
        Assert.All(rows, r => Assert.Equal(2, r.Samples));
        Assert.Equal(2 * 1000 / torch.Median, torch.Throughput!.Value, 6);
        // The ratio is taken round by round, so it lies between the extreme per-round ratios of the two rows.
        Assert.InRange(ratio.Median, torch.Min / onnx.Max, torch.Max / onnx.Min);
        Assert.Single(rows, r => r.Case.Contains("ONNX Runtime alone, 1 threads", StringComparison.Ordinal));
        Assert.Equal(5, rows.Count);
    }
}
