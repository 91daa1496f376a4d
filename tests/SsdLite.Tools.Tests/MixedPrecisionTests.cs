using System.Globalization;
using Xunit.Abstractions;
using SsdLite.Detection.Models;
using SsdLite.Platform.Checkpoints;
using SsdLite.Platform.Engine;
using SsdLite.Tools.Bench;
using SsdLite.Tools.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SsdLite.Tools.Tests;

/// <summary>
/// bf16 training (<c>precision: bf16</c>): libtorch's CPU autocast engages (convolutions return bfloat16), a few
/// steps follow fp32's losses within a stated tolerance without equalling them, and checkpoints cross between the
/// two precisions. On a CPU without native bfloat16 the trainer must refuse, which the last test checks there; the
/// others then return early after asserting that refusal, since there is no bf16 path to hold to anything.
/// In the non-parallel "training" collection: the models are seeded through torch's global generator.
/// </summary>
[Collection("training")]
public sealed class MixedPrecisionTests(ITestOutputHelper output)
{
    private static bool Bf16Here => CpuAutocast.Unsupported() is null;

    [Fact]
    public void AutocastRunsConvolutionsInBf16AndRestoresTheThreadState()
    {
        if (!Bf16Here)
        {
            Assert.Throws<PlatformNotSupportedException>(() => CpuAutocast.Enter());
            return;
        }
        manual_seed(3);
        using var x = randn(2, 8, 10, 10);
        using var w = randn(16, 8, 3, 3);
        using var plain = nn.functional.conv2d(x, w, padding: [1, 1]);
        Assert.False(CpuAutocast.IsEnabled);
        Tensor mixed;
        using (CpuAutocast.Enter())
        {
            Assert.True(CpuAutocast.IsEnabled);
            using (CpuAutocast.Enter()) Assert.True(CpuAutocast.IsEnabled);
            Assert.True(CpuAutocast.IsEnabled); // an inner scope restores its outer one's state
            mixed = nn.functional.conv2d(x, w, padding: [1, 1]);
            using var sum = x.add(x, HeldScalars.One); // not on autocast's list: keeps float32
            Assert.Equal(ScalarType.Float32, sum.dtype);
        }
        using (mixed)
        {
            Assert.False(CpuAutocast.IsEnabled);
            Assert.Equal(ScalarType.BFloat16, mixed.dtype);
            using var after = nn.functional.conv2d(x, w, padding: [1, 1]);
            Assert.Equal(ScalarType.Float32, after.dtype);
            // bfloat16 keeps 8 significant bits: a 72-term dot product of unit normals stays within a few percent.
            using var asFloat = mixed.to(ScalarType.Float32);
            using var error = (asFloat - plain).abs().max();
            using var scale = plain.abs().max();
            var relative = error.item<float>() / scale.item<float>();
            Assert.InRange(relative, 1e-5, 0.02); // above 0: it really ran in bfloat16
        }
    }

    /// <summary>
    /// Five SGD steps (lr 0.05, momentum 0.9) of the width-0.25 detector at 96x96 on one fixed batch of 8 from the
    /// same initial weights, fp32 and bf16. The first loss comes from equal weights, so it differs by the forward
    /// pass's rounding only: within 1.5% (measured 0.6%). The later ones also carry bf16 gradients through the
    /// momentum, and the hard-negative mining may pick other negatives: within 8% (measured 1.9%, 0.05%, 4.5%,
    /// 5.4% on an AVX512-BF16 EPYC). Not equal to fp32's, and the weights and gradients stay float32.
    /// </summary>
    [Fact]
    public void FiveBf16StepsStayWithinEightPercentOfFp32Losses()
    {
        if (!Bf16Here)
        {
            Assert.Throws<PlatformNotSupportedException>(() => Losses(TrainPrecision.Bf16));
            return;
        }
        var fp32 = Losses(TrainPrecision.Fp32);
        var bf16 = Losses(TrainPrecision.Bf16);
        output.WriteLine($"fp32 {string.Join(" ", fp32)}; bf16 {string.Join(" ", bf16)}");
        for (var k = 0; k < fp32.Count; k++)
        {
            var relative = Math.Abs(bf16[k] - fp32[k]) / fp32[k];
            var tolerance = k == 0 ? 0.015 : 0.08;
            Assert.True(relative <= tolerance, $"step {k + 1}: bf16 loss {bf16[k]} against fp32 {fp32[k]} ({relative:P2}, allowed {tolerance:P1})");
        }
        Assert.NotEqual(fp32[0], bf16[0]);
        Assert.True(fp32[^1] < fp32[0] && bf16[^1] < bf16[0], $"the steps must train (fp32 {fp32[0]} -> {fp32[^1]}, bf16 {bf16[0]} -> {bf16[^1]})");
    }

    private static List<double> Losses(TrainPrecision precision)
    {
        var settings = new BenchSettings { Width = 0.25, InputSize = 96, ClassCountWithBackground = 4 };
        manual_seed(5);
        using var model = BenchModels.Create(settings);
        model.train();
        model.to(MemoryFormat.ChannelsLast);
        using var optimizer = new HeldScalarSgd(model.parameters(), 0.05, momentum: 0.9, weightDecay: 5e-4);
        var step = new TrainingStep(model, optimizer, precision);
        var priors = model.Config.GeneratePriors().Length / 4;
        manual_seed(6);
        using var nchw = BenchModels.Input(8, settings.InputSize);
        using var input = nchw.contiguous(MemoryFormat.ChannelsLast);
        var (labels, locations) = BenchModels.Targets(8, priors, settings.ClassCountWithBackground, seed: 7);
        using (labels)
        using (locations)
        {
            var losses = new List<double>();
            for (var k = 0; k < 5; k++)
            {
                using var scope = NewDisposeScope();
                var outputs = step.Forward(input);
                Assert.Equal(ScalarType.Float32, outputs.Confidences.dtype);
                var total = step.Loss(outputs, labels, locations).Total();
                losses.Add(total.item<float>());
                step.Backward(total);
                Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.grad!.dtype));
                step.Update();
            }
            Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
            return losses;
        }
    }

    /// <summary>
    /// A run stopped after 2 of 3 epochs resumes from its float32 checkpoint. In its own precision the resumed run
    /// repeats the uninterrupted one exactly (every epoch's loss equal: the checkpoint restores weights, optimizer,
    /// schedule and sampler). In the other precision it completes the third epoch, differs from the uninterrupted run
    /// (the precision did switch), and stays within 8% of it, the bound the five-step test above holds bf16 steps to:
    /// an epoch's loss is a mean of such steps. Measured on a Zen 4 EPYC with AVX512-BF16 (2026-12-07): bf16 then
    /// fp32 3.3%, fp32 then bf16 1.9%, while the two straight runs already differ by 4.6% after two epochs.
    /// </summary>
    [Fact]
    public void CheckpointsResumeAcrossPrecisions()
    {
        if (!Bf16Here)
        {
            using var refused = new TempFolder("bf16-refused");
            var options = TestData.TinyRun(TestData.Tiny(refused), refused["run"], 1);
            options.Precision = TrainPrecision.Bf16;
            var e = Assert.Throws<ConfigException>(() => new Trainer(options, new RecordingProgress()).Run());
            Assert.Contains("bfloat16", e.Message, StringComparison.Ordinal);
            return;
        }
        using var folder = new TempFolder("precision-resume");
        var data = TestData.Tiny(folder);
        foreach (var (first, then) in new[] { (TrainPrecision.Bf16, TrainPrecision.Fp32), (TrainPrecision.Fp32, TrainPrecision.Bf16) })
        {
            var straight = Run(data, folder[$"straight-{first}"], first, 3);
            var expected = Losses(folder[$"straight-{first}"]);
            foreach (var resumeIn in new[] { first, then })
            {
                var runDir = folder[$"resume-{first}-{resumeIn}"];
                var stopped = Run(data, runDir, first, 2);
                AssertFloat32Weights(stopped.LastCheckpoint);
                var resumed = new Trainer(Options(data, runDir, resumeIn, 3), new RecordingProgress()).Run(stopped.LastCheckpoint);
                Assert.Equal(TrainOutcome.Completed, resumed.Outcome);
                Assert.Equal(straight.Position.Step, resumed.Position.Step);
                var actual = Losses(runDir);
                output.WriteLine($"{first} then {resumeIn}: {string.Join(" ", actual)} against {string.Join(" ", expected)}");
                Assert.Equal(expected.Count, actual.Count);
                Assert.Equal(expected[..^1], actual[..^1]); // the first two epochs ran in the first precision
                if (resumeIn == first)
                {
                    Assert.Equal(expected[^1], actual[^1]);
                    continue;
                }
                var relative = Math.Abs(actual[^1] - expected[^1]) / expected[^1];
                Assert.True(relative <= 0.08, $"{first} -> {then}: epoch-3 loss {actual[^1]} against {expected[^1]} uninterrupted ({relative:P2}, allowed 8%)");
                Assert.NotEqual(expected[^1], actual[^1]);
            }
        }
    }

    private static void AssertFloat32Weights(string checkpoint)
    {
        using var saved = Checkpoint.Load(checkpoint);
        var weights = saved.Tensors.Where(kv => kv.Key.StartsWith("model.", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(weights);
        Assert.All(weights, kv => Assert.True(kv.Value.dtype is ScalarType.Float32 or ScalarType.Int64, $"{kv.Key} is {kv.Value.dtype}"));
    }

    private static TrainOptions Options(string data, string outDir, TrainPrecision precision, int epochs)
    {
        var options = TestData.TinyRun(data, outDir, epochs);
        options.TMax = 3; // the same schedule whether a run stops after 2 epochs or goes on to 3
        options.Precision = precision;
        return options;
    }

    private static TrainResult Run(string data, string outDir, TrainPrecision precision, int epochs)
    {
        var result = new Trainer(Options(data, outDir, precision, epochs), new RecordingProgress()).Run();
        Assert.Equal(TrainOutcome.Completed, result.Outcome);
        return result;
    }

    private static List<double> Losses(string runDir)
    {
        var lines = File.ReadLines(Path.Combine(runDir, "metrics.csv")).ToList();
        var column = Array.IndexOf(lines[0].Split(','), "loss");
        return [.. lines.Skip(1).Select(line => double.Parse(line.Split(',')[column], CultureInfo.InvariantCulture))];
    }
}
