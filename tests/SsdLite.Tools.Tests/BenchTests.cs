using SsdLite.Tools.Bench;

namespace SsdLite.Tools.Tests;

/// <summary>The bench parts run end to end and report rows; their figures belong in docs/benchmarks.md, not here.</summary>
[Collection("training")]
public sealed class BenchTests
{
    [Fact]
    public void DetectAndTrainPartsReportEachLayout()
    {
        var output = new StringWriter();
        var settings = new BenchSettings
        {
            Parts = BenchParts.Detect | BenchParts.Train,
            Width = 0.35,
            InputSize = 96,
            NumClasses = 3,
            Iterations = 2,
            Warmup = 0,
            TrainBatchSizes = [2],
        };
        Assert.Equal(0, BenchCommand.Run(settings, output));
        var rows = output.ToString().Split('\n');
        Assert.Contains(rows, r => r.StartsWith("detect", StringComparison.Ordinal) && r.Contains("random weights", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.StartsWith("train", StringComparison.Ordinal) && r.Contains("step, batch 2, 96x96 ", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.StartsWith("train", StringComparison.Ordinal) && r.Contains("channels last", StringComparison.Ordinal));
    }
}
