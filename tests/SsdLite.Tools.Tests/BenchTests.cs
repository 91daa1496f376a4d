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
        var settings = TestData.TinyBench(BenchParts.Detect | BenchParts.Train) with
        {
            TrainBatchSizes = [2],
            DetectThroughputImages = 5,
            DetectRounds = 1,
        };
        Assert.Equal(0, BenchCommand.Run(settings, output));
        var rows = output.ToString().Split('\n');
        Assert.Contains(rows, r => r.StartsWith("detect", StringComparison.Ordinal) && r.Contains("random weights", StringComparison.Ordinal));
        foreach (var workers in new[] { "1 worker,", "2 workers," })
        {
            foreach (var drawing in new[] { "no drawing", "drawn" })
            {
                Assert.Contains(rows, r => r.StartsWith("detect", StringComparison.Ordinal) && r.Contains($"throughput, {workers} batch 8, {drawing}", StringComparison.Ordinal));
            }
        }
        Assert.Contains(rows, r => r.StartsWith("train", StringComparison.Ordinal) && r.Contains("step, batch 2, 96x96 ", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.StartsWith("train", StringComparison.Ordinal) && r.Contains("channels last", StringComparison.Ordinal));
    }

    [Fact]
    public void InferenceAndTrainMeasureTheNamedArch()
    {
        var output = new StringWriter();
        var json = Path.Combine(Path.GetTempPath(), $"ssdlite-bench-{Guid.NewGuid():N}.json");
        var settings = TestData.TinyBench(BenchParts.Inference | BenchParts.Train) with
        {
            Arch = SsdLite.Core.SsdArch.Mb1Ssd,
            Width = 0.25,
            InputSize = 64,
            Iterations = 1,
            InferenceBatchSizes = [1],
            TrainBatchSizes = [2],
            JsonPath = json,
        };
        try
        {
            Assert.Equal(0, BenchCommand.Run(settings, output));
            Assert.Contains("settings: mb1-ssd, width 0.25", output.ToString(), StringComparison.Ordinal);
            Assert.Contains("\"arch\": \"mb1-ssd\"", File.ReadAllText(json), StringComparison.Ordinal);
            var rows = output.ToString().Split('\n');
            Assert.Contains(rows, r => r.StartsWith("inference", StringComparison.Ordinal));
            Assert.Contains(rows, r => r.StartsWith("train", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(json);
        }
    }

    /// <summary>
    /// bench measures under its own thread count and glibc's default malloc settings when asked, and then gives the
    /// host process back the thread count it had: detect and training runs that follow in the same process (as in
    /// this test run) must not go on with a bench's thread count.
    /// </summary>
    [Fact]
    public void ThreadCountAndMallocSettingsArePutBackAfterwards()
    {
        var before = TorchSharp.torch.get_num_threads();
        var output = new StringWriter();
        var settings = TestData.TinyBench(BenchParts.Inference) with
        {
            Width = 0.25,
            InputSize = 64,
            Iterations = 1,
            InferenceBatchSizes = [1],
            Threads = before + 1,
            GlibcMallocDefaults = true,
        };
        Assert.Equal(0, BenchCommand.Run(settings, output));
        Assert.Contains($"with {before + 1} thread(s)", output.ToString(), StringComparison.Ordinal); // measured under its own count
        Assert.Equal(before, TorchSharp.torch.get_num_threads());
    }
}
