using SsdLite.Detection;
using SsdLite.Detection.Models;
using SsdLite.Platform.Checkpoints;
using SsdLite.Tools.Training;
using TorchSharp;
using static TorchSharp.torch;
using SsdLite.Core;

namespace SsdLite.Tools.Tests;

/// <summary>
/// freeze_base_net, freeze_net, freeze_bn and the per-part rates: which tensors move after real training steps of a
/// small detector, one SGD and one AdamW step against the update written out by hand, and a run with them that stops
/// and resumes bit-equal to an uninterrupted one.
/// </summary>
[Collection("training")]
public sealed class FineTuningTests
{
    private static SsdLiteModel SmallModel()
    {
        manual_seed(3);
        var model = new SsdLiteModel(new SsdLiteConfig(["a", "b", "c"], 0.25, 64));
        model.train();
        return model;
    }

    private static TrainOptions Options(Action<TrainOptions> set)
    {
        var options = new TrainOptions { Lr = 0.05, Momentum = 0.9, WeightDecay = 5e-4 };
        set(options);
        return options;
    }

    private static Dictionary<string, float[]> Snapshot(SsdLiteModel model) =>
        model.state_dict().Where(kv => kv.Value.dtype == ScalarType.Float32)
            .ToDictionary(kv => kv.Key, kv => kv.Value.cpu().contiguous().data<float>().ToArray());

    /// <summary>Runs <paramref name="steps"/> steps on random images and targets; returns the state before and after.</summary>
    private static (Dictionary<string, float[]> Before, Dictionary<string, float[]> After, TrainableParts Parts) Train(TrainOptions options, int steps = 3)
    {
        using var model = SmallModel();
        var parts = TrainableParts.Apply(model, options);
        parts.HoldFrozenBatchNorm();
        using var optimizer = parts.CreateOptimizer(options);
        var step = new TrainingStep(model, optimizer, TrainPrecision.Fp32);
        var before = Snapshot(model);
        var priors = model.Config.GeneratePriors().Length / 4;
        manual_seed(5);
        for (var k = 0; k < steps; k++)
        {
            using var scope = NewDisposeScope();
            var x = randn(4, 3, 64, 64);
            var labels = randint(0, 4, [4, priors], dtype: ScalarType.Int64);
            var locations = randn(4, priors, 4) * 0.5;
            var total = step.Loss(step.Forward(x), labels, locations).Total();
            step.Backward(total);
            step.Update();
        }
        return (before, Snapshot(model), parts);
    }

    private static List<string> Moved(Dictionary<string, float[]> before, Dictionary<string, float[]> after, string prefix) =>
        before.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !before[k].AsSpan().SequenceEqual(after[k])).ToList();

    private static List<string> Keys(Dictionary<string, float[]> state, string prefix, bool parametersOnly = false) =>
        state.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)
            && (!parametersOnly || !(k.EndsWith("running_mean", StringComparison.Ordinal) || k.EndsWith("running_var", StringComparison.Ordinal)))).ToList();

    [Fact]
    public void FreezeBaseNetKeepsTheBackboneAndItsBatchNormStatisticsBitIdentical()
    {
        var (before, after, parts) = Train(Options(o => o.FreezeBaseNet = true));
        Assert.Empty(Moved(before, after, "base_net."));
        Assert.Contains(Keys(before, "base_net."), k => k.EndsWith("running_mean", StringComparison.Ordinal));
        // Every tensor of the extras and the heads moved, BatchNorm statistics included.
        Assert.Equal(Keys(before, "extras."), Moved(before, after, "extras."));
        Assert.Equal(Keys(before, "classification_headers."), Moved(before, after, "classification_headers."));
        Assert.Equal(Keys(before, "regression_headers."), Moved(before, after, "regression_headers."));
        Assert.Equal(["extras", "heads"], parts.Groups.Select(g => g.Name));
    }

    [Fact]
    public void FreezeBnFalseLetsTheFrozenBackbonesStatisticsUpdateAsTheReferenceDoes()
    {
        var (before, after, _) = Train(Options(o => { o.FreezeBaseNet = true; o.FreezeBn = false; }));
        var moved = Moved(before, after, "base_net.");
        Assert.NotEmpty(moved);
        Assert.All(moved, k => Assert.True(k.EndsWith("running_mean", StringComparison.Ordinal) || k.EndsWith("running_var", StringComparison.Ordinal), k));
    }

    [Fact]
    public void FreezeNetTrainsOnlyThePredictionHeads()
    {
        var (before, after, parts) = Train(Options(o => o.FreezeNet = true));
        Assert.Empty(Moved(before, after, "base_net."));
        Assert.Empty(Moved(before, after, "extras."));
        Assert.Equal(Keys(before, "classification_headers."), Moved(before, after, "classification_headers."));
        Assert.Equal(Keys(before, "regression_headers."), Moved(before, after, "regression_headers."));
        Assert.Equal(["heads"], parts.Groups.Select(g => g.Name));
    }

    [Fact]
    public void BaseNetLrZeroLeavesTheBackbonesParametersWhereTheyWere()
    {
        var (before, after, parts) = Train(Options(o => o.BaseNetLr = 0));
        // Its BatchNorm layers still train (the part is not frozen), so only the statistics may move.
        var parameters = Keys(before, "base_net.", parametersOnly: true);
        Assert.DoesNotContain(Moved(before, after, "base_net."), k => parameters.Contains(k));
        Assert.Equal(Keys(before, "extras."), Moved(before, after, "extras."));
        Assert.Equal(Keys(before, "regression_headers."), Moved(before, after, "regression_headers."));
        Assert.Equal([0.0, 0.05, 0.05], parts.Groups.Select(g => g.Lr));
    }

    [Fact]
    public void FrozenParametersGetNoGradientAndNoOptimizerState()
    {
        using var model = SmallModel();
        var options = Options(o => o.FreezeBaseNet = true);
        var parts = TrainableParts.Apply(model, options);
        using var optimizer = parts.CreateOptimizer(options);
        var step = new TrainingStep(model, optimizer, TrainPrecision.Fp32);
        var priors = model.Config.GeneratePriors().Length / 4;
        using var scope = NewDisposeScope();
        var total = step.Loss(step.Forward(randn(2, 3, 64, 64)), zeros([2, priors], ScalarType.Int64), zeros(2, priors, 4)).Total();
        step.Backward(total);
        step.Update();
        Assert.All(model.BaseNet.parameters(), p => Assert.Null(p.grad));
        Assert.All(model.ExtraBlocks.parameters(), p => Assert.NotNull(p.grad));
        var trainable = model.parameters().Count(p => p.requires_grad);
        Assert.Equal(trainable, optimizer.parameters().Count());
        Assert.Equal(trainable, OptimizerState.Save(optimizer).Count);
    }

    /// <summary>
    /// One SGD step from rest, written out: the momentum buffer starts as g + wd·p, so p' = p − lr_group (g + wd·p),
    /// for one parameter of each group at its own rate.
    /// </summary>
    [Fact]
    public void OneSgdStepIsTheHandComputedUpdateAtEachGroupsRate()
    {
        var options = Options(o => { o.BaseNetLr = 0.001; o.ExtraLayersLr = 0.02; });
        var rates = new Dictionary<string, double> { ["base_net"] = 0.001, ["extras"] = 0.02, ["heads"] = 0.05 };
        CheckOneStep(options, rates, (p, g, lr) => p - (lr * (g + (5e-4f * p))));
    }

    /// <summary>
    /// One AdamW step from rest: the bias-corrected moments are g and g², so p' = p (1 − lr·wd) − lr g / (|g| + eps).
    /// </summary>
    [Fact]
    public void OneAdamWStepIsTheHandComputedUpdateAtEachGroupsRate()
    {
        var options = Options(o => { o.Optimizer = OptimizerKind.Adamw; o.BaseNetLr = 0.001; o.ExtraLayersLr = 0.02; o.WeightDecay = 0.01; });
        var rates = new Dictionary<string, double> { ["base_net"] = 0.001, ["extras"] = 0.02, ["heads"] = 0.05 };
        CheckOneStep(options, rates, (p, g, lr) => (p * (1 - (lr * 0.01f))) - (lr * g / (MathF.Abs(g) + 1e-8f)));
    }

    private static void CheckOneStep(TrainOptions options, Dictionary<string, double> rates, Func<float, float, float, float> update)
    {
        using var model = SmallModel();
        var parts = TrainableParts.Apply(model, options);
        using var optimizer = parts.CreateOptimizer(options);
        Assert.Equal(rates.Values, optimizer.ParamGroups.Select(g => g.LearningRate));
        var step = new TrainingStep(model, optimizer, TrainPrecision.Fp32);
        var priors = model.Config.GeneratePriors().Length / 4;
        using var scope = NewDisposeScope();
        manual_seed(9);
        var total = step.Loss(step.Forward(randn(2, 3, 64, 64)), randint(0, 4, [2, priors], dtype: ScalarType.Int64), randn(2, priors, 4)).Total();
        step.Backward(total);
        // The first parameter of each group that has a gradient large enough for float32 to show the update.
        var picked = parts.Groups.Select(g => g.Parameters.First(p => p.grad is { } grad && grad.abs().max().item<float>() > 1e-3f)).ToList();
        var before = picked.Select(p => p.data<float>().ToArray()).ToList();
        var grads = picked.Select(p => p.grad!.data<float>().ToArray()).ToList();
        step.Update();
        for (var k = 0; k < picked.Count; k++)
        {
            var lr = (float)rates[parts.Groups[k].Name];
            var after = picked[k].data<float>().ToArray();
            for (var i = 0; i < after.Length; i++)
            {
                var expected = update(before[k][i], grads[k][i], lr);
                Assert.True(MathF.Abs(after[i] - expected) <= 1e-6f + (1e-5f * MathF.Abs(expected)),
                    $"{parts.Groups[k].Name}[{i}]: {after[i]} after the step, {expected} by hand (from {before[k][i]}, gradient {grads[k][i]})");
            }
            // And the step did move it, so the comparison is not of two copies.
            Assert.False(after.AsSpan().SequenceEqual(before[k]), $"{parts.Groups[k].Name} did not move");
        }
    }

    [Fact]
    public void TheScheduleScalesEachGroupFromItsOwnRate()
    {
        using var model = SmallModel();
        var options = Options(o => { o.BaseNetLr = 0.001; o.ExtraLayersLr = 0.02; });
        var parts = TrainableParts.Apply(model, options);
        using var optimizer = parts.CreateOptimizer(options);
        var factor = WarmupFactor.Of(4, 0.1, t => 0.5);
        var scheduler = optim.lr_scheduler.LambdaLR(optimizer, factor, last_epoch: 1);
        // last_epoch 1 plus the constructor's step: step 2 of a 4-step warm-up from 0.1, factor 0.1 + 0.9·2/4 = 0.55.
        Assert.Equal([0.001 * 0.55, 0.02 * 0.55, 0.05 * 0.55], optimizer.ParamGroups.Select(g => g.LearningRate), new Tolerance(1e-12));
        for (var k = 0; k < 3; k++) scheduler.step();
        Assert.Equal([0.001 * 0.5, 0.02 * 0.5, 0.05 * 0.5], optimizer.ParamGroups.Select(g => g.LearningRate), new Tolerance(1e-12));
    }

    [Fact]
    public void AFrozenRunWithPerPartRatesStopsAndResumesBitEqualAndRecordsItsKeys()
    {
        using var folder = new TempFolder("finetune-resume");
        var data = TestData.Tiny(folder);
        TrainOptions Run(string name)
        {
            var o = TestData.TinyRun(data, folder[name], 3);
            o.FreezeBaseNet = true;
            o.ExtraLayersLr = 0.005;
            o.Optimizer = OptimizerKind.Adamw;
            o.Lr = 0.002;
            o.BalanceData = true;
            return o;
        }
        var straightProgress = new RecordingProgress();
        var straight = new Trainer(Run("straight"), straightProgress).Run();
        Assert.Contains(straightProgress.Messages, m => m.StartsWith("balance_data: images per class before", StringComparison.Ordinal));
        Assert.Contains(straightProgress.Messages, m => m.Contains("frozen: base_net", StringComparison.Ordinal));

        using var cancel = new CancellationTokenSource();
        var first = new Trainer(Run("split"), new RecordingProgress());
        first.EpochCompleted += m => { if (m.Epoch == 1) cancel.Cancel(); };
        var stopped = first.Run(cancellationToken: cancel.Token);
        Assert.Equal(1, stopped.Position.Epoch);
        var recorded = TrainingCheckpoint.ReadOptions(stopped.LastCheckpoint);
        Assert.True(recorded.FreezeBaseNet);
        Assert.True(recorded.BalanceData);
        Assert.Equal(0.005, recorded.ExtraLayersLr);
        var yaml = File.ReadAllText(Path.Combine(folder["split"], "config.yaml"));
        foreach (var key in new[] { "freeze_base_net: true", "freeze_net: false", "freeze_bn: true", "base_net_lr: null", "extra_layers_lr: 0.005", "balance_data: true" })
            Assert.Contains(key, yaml, StringComparison.Ordinal);

        var resumed = new Trainer(recorded, new RecordingProgress()).Run(stopped.LastCheckpoint);
        Assert.Equal(straight.Position.Step, resumed.Position.Step);
        AssertBitEqual(straight.LastCheckpoint, resumed.LastCheckpoint);

        // Resuming with other groups would hand one parameter's optimizer state to another: refused, naming the file.
        var changed = TrainingCheckpoint.ReadOptions(stopped.LastCheckpoint);
        changed.FreezeBaseNet = false;
        changed.Out = folder["changed"];
        var e = Assert.Throws<ConfigException>(() => new Trainer(changed, new RecordingProgress()).Run(stopped.LastCheckpoint));
        Assert.Contains(stopped.LastCheckpoint, e.Message, StringComparison.Ordinal);
        Assert.Contains("parameter groups", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFrozenBackboneLoadedFromPretrainedWeightsLeavesTrainingAndValidationUnchanged()
    {
        using var folder = new TempFolder("finetune-frozen");
        var data = TestData.Tiny(folder);
        var start = TestData.TinyRun(data, folder["start"], 1);
        var started = new Trainer(start, new RecordingProgress()).Run();
        var tune = TestData.TinyRun(data, folder["tune"], 2);
        tune.Pretrained = started.LastCheckpoint;
        tune.FreezeBaseNet = true;
        // Validation switches the model to eval and back each epoch; the frozen BatchNorm must stay in eval after it.
        tune.ValData = data;
        tune.ValSplit = "val";
        tune.ValEvery = 1;
        var tuned = new Trainer(tune, new RecordingProgress()).Run();
        var before = Tensors(started.LastCheckpoint);
        var after = Tensors(tuned.LastCheckpoint);
        var baseNet = before.Keys.Where(k => k.StartsWith("model.base_net.", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(baseNet);
        Assert.All(baseNet, k => Assert.True(before[k].AsSpan().SequenceEqual(after[k]), $"{k} changed"));
        Assert.Contains(before.Keys, k => k.StartsWith("model.extras.", StringComparison.Ordinal) && !before[k].AsSpan().SequenceEqual(after[k]));
    }

    private static Dictionary<string, byte[]> Tensors(string checkpoint)
    {
        using var data = Checkpoint.Load(checkpoint);
        return data.Tensors.ToDictionary(kv => kv.Key, kv => TensorBytes.Read(kv.Value));
    }

    private static void AssertBitEqual(string expectedCheckpoint, string actualCheckpoint)
    {
        var expected = Tensors(expectedCheckpoint);
        var actual = Tensors(actualCheckpoint);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        var differing = expected.Keys.Where(k => !expected[k].AsSpan().SequenceEqual(actual[k])).ToList();
        Assert.True(differing.Count == 0, $"{differing.Count} tensors differ, e.g. {string.Join(", ", differing.Take(3))}");
    }

    /// <summary>Compares doubles to within an absolute tolerance.</summary>
    private sealed class Tolerance(double epsilon) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= epsilon;

        public int GetHashCode(double obj) => 0;
    }
}
