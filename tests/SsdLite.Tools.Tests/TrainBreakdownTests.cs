using SsdLite.Platform.Engine;
using SsdLite.Tools.Bench;
using SsdLite.Tools.Training;

namespace SsdLite.Tools.Tests;

/// <summary>
/// <c>ssdlite bench --part train --train-breakdown</c>: every channels-last case reports one row per phase, the
/// phases that run the network take time, the timed phases account for the step (each step's "host" is what is
/// left), and the bf16 case runs where the CPU has bfloat16 arithmetic.
/// </summary>
[Collection("training")]
public sealed class TrainBreakdownTests
{
    [Fact]
    public void ChannelsLastCasesReportEachPhase()
    {
        var bf16 = CpuAutocast.Unsupported() is null;
        var settings = TestData.TinyBench(BenchParts.Train) with
        {
            Iterations = 3,
            Warmup = 1,
            TrainBatchSizes = [2],
            TrainPrecisions = bf16 ? [TrainPrecision.Fp32, TrainPrecision.Bf16] : [TrainPrecision.Fp32],
            TrainBreakdown = true,
        };
        var rows = TrainBench.Run(settings).ToDictionary(r => r.Case);
        var cases = new List<string> { TrainBench.CaseName(2, 96, MemoryFormat.ChannelsLast, TrainPrecision.Fp32) };
        if (bf16) cases.Add(TrainBench.CaseName(2, 96, MemoryFormat.ChannelsLast, TrainPrecision.Bf16));
        Assert.True(rows.ContainsKey(TrainBench.CaseName(2, 96, MemoryFormat.Contiguous, TrainPrecision.Fp32)));
        Assert.DoesNotContain(rows.Keys, k => k.StartsWith("step, batch 2, 96x96:", StringComparison.Ordinal)); // NCHW: no breakdown
        foreach (var name in cases)
        {
            var step = rows[name];
            var phases = TrainBench.Phases.ToDictionary(p => p, p => rows[$"{name}: {p}"]);
            Assert.All(phases.Values, p => Assert.Equal(settings.Iterations, p.Samples));
            Assert.True(phases["forward"].Median > 0 && phases["backward"].Median > 0 && phases["optimizer"].Median > 0, name);
            Assert.True(phases["cpu"].Median > 0, name);
            // Medians do not add up exactly, but the timed phases' minima cannot exceed the slowest step.
            var minima = new[] { "forward", "loss", "backward", "optimizer" }.Sum(p => phases[p].Min);
            Assert.True(minima <= step.Max, $"{name}: phase minima {minima} ms exceed the slowest step {step.Max} ms");
        }
    }
}
