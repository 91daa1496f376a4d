using System.Diagnostics;
using SsdLite.Detection.Models;
using SsdLite.Tools.Training;

namespace SsdLite.Tools.Bench;

/// <summary>
/// One training step on synthetic data (random labels and encoded boxes), the trainer's own
/// <see cref="TrainingStep"/> with its optimizer (<see cref="HeldScalarSgd"/>, momentum 0.9, weight decay 5e-4)
/// inside one dispose scope. Each batch size runs in NCHW (labelled) and in channels last (what the trainer uses
/// on the CPU), and in channels last at each further precision asked for, so one run gives the ratios.
/// With <see cref="BenchSettings.TrainBreakdown"/> each channels-last case also reports the median of each phase.
/// </summary>
public static class TrainBench
{
    /// <summary>
    /// The phases a step is cut into, in order; "host" is the dispose scope's end and the time between phases.
    /// "cpu" is not a phase: it is the process's CPU time per step (all threads), which a machine shared with
    /// other jobs inflates far less than wall time when libgomp does not spin (<c>OMP_WAIT_POLICY=PASSIVE</c>).
    /// </summary>
    public static readonly string[] Phases = ["forward", "loss", "backward", "optimizer", "host", "cpu"];

    public static IEnumerable<Measurement> Run(BenchSettings settings)
    {
        var results = new List<Measurement>();
        foreach (var batch in settings.TrainBatchSizes)
        {
            results.AddRange(RunBatch(settings, batch, MemoryFormat.Contiguous, TrainPrecision.Fp32));
            foreach (var precision in settings.TrainPrecisions.Distinct())
                results.AddRange(RunBatch(settings, batch, MemoryFormat.ChannelsLast, precision));
            if (settings.TrainFreeze) results.AddRange(RunBatch(settings, batch, MemoryFormat.ChannelsLast, TrainPrecision.Fp32, freezeBaseNet: true));
        }
        return results;
    }

    /// <summary>The case name; the fp32 names are the ones bench/compare.sh and earlier JSON files use.</summary>
    public static string CaseName(int batch, int inputSize, MemoryFormat layout, TrainPrecision precision) =>
        $"step, batch {batch}, {inputSize}x{inputSize}" +
        (layout == MemoryFormat.ChannelsLast ? ", channels last" : "") +
        (precision == TrainPrecision.Bf16 ? ", bf16" : "");

    private static IEnumerable<Measurement> RunBatch(BenchSettings settings, int batch, MemoryFormat layout, TrainPrecision precision,
        bool freezeBaseNet = false)
    {
        torch.manual_seed(2);
        using var model = BenchModels.Create(settings);
        model.train();
        model.to(layout);
        // The frozen case builds its optimizer as the trainer does: the backbone in no group, its BatchNorm in eval.
        var frozen = new TrainOptions { FreezeBaseNet = true, Lr = 0.01, Momentum = 0.9, WeightDecay = 5e-4 };
        var parts = freezeBaseNet ? TrainableParts.Apply(model, frozen) : null;
        parts?.HoldFrozenBatchNorm();
        using var optimizer = parts?.CreateOptimizer(frozen) ?? new HeldScalarSgd(model.parameters(), 0.01, momentum: 0.9, weightDecay: 5e-4);
        var step = new TrainingStep(model, optimizer, precision);
        var priors = model.Config.GeneratePriors().Length / 4;
        using var nchw = BenchModels.Input(batch, settings.InputSize);
        using var input = nchw.contiguous(layout);
        var (labels, locations) = BenchModels.Targets(batch, priors, settings.ClassCountWithBackground, seed: 3);
        using (labels)
        using (locations)
        {
            var name = CaseName(batch, settings.InputSize, layout, precision) + (freezeBaseNet ? ", freeze_base_net" : "");
            var breakdown = settings.TrainBreakdown && layout == MemoryFormat.ChannelsLast;
            var phases = Phases.Select(_ => new List<double>()).ToArray();
            var warm = 0;
            var samples = Sampler.Repeat(() =>
            {
                var times = Step(step, input, labels, locations);
                if (warm++ < settings.Warmup) return;
                for (var k = 0; k < times.Length; k++) phases[k].Add(times[k]);
            }, settings.Warmup, settings.Iterations);
            var rows = new List<Measurement> { Measurement.FromSamples("train", name, samples, "ms", batch) };
            if (breakdown) rows.AddRange(Phases.Select((phase, k) => Measurement.FromSamples("train", $"{name}: {phase}", phases[k], "ms", 0)));
            return rows;
        }
    }

    /// <summary>One step; returns each phase's milliseconds (libtorch's CPU ops are synchronous, so a stopwatch
    /// between calls measures the work of the calls).</summary>
    private static double[] Step(TrainingStep step, Tensor input, Tensor labels, Tensor locations)
    {
        var times = new double[Phases.Length];
        var cpu = Environment.CpuUsage.TotalTime;
        var start = Stopwatch.GetTimestamp();
        var mark = start;
        double Lap()
        {
            var now = Stopwatch.GetTimestamp();
            var ms = Stopwatch.GetElapsedTime(mark, now).TotalMilliseconds;
            mark = now;
            return ms;
        }
        using (var scope = torch.NewDisposeScope())
        {
            var outputs = step.Forward(input);
            times[0] = Lap();
            var parts = step.Loss(outputs, labels, locations);
            var total = parts.Total();
            _ = total.item<float>();
            times[1] = Lap();
            step.Backward(total);
            times[2] = Lap();
            step.Update();
            times[3] = Lap();
        }
        times[4] = Stopwatch.GetElapsedTime(start).TotalMilliseconds - times[..4].Sum();
        times[5] = (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds;
        return times;
    }
}
