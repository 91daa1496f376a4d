using SsdLite.Platform.Checkpoints;
using SsdLite.Tools.Training;

namespace SsdLite.Tools.Tests;

[Collection("training")]
public sealed class ResumeTests
{
    private static Dictionary<string, byte[]> ModelBytes(string checkpoint)
    {
        using var data = Checkpoint.Load(checkpoint);
        return data.Tensors.Where(kv => kv.Key.StartsWith("model.", StringComparison.Ordinal) || kv.Key.StartsWith("optim.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => TensorBytes.Read(kv.Value));
    }

    private static void AssertBitEqual(string expectedCheckpoint, string actualCheckpoint)
    {
        var expected = ModelBytes(expectedCheckpoint);
        var actual = ModelBytes(actualCheckpoint);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        var differing = expected.Keys.Where(k => !expected[k].AsSpan().SequenceEqual(actual[k])).ToList();
        Assert.True(differing.Count == 0, $"{differing.Count} tensors differ, e.g. {string.Join(", ", differing.Take(3))}");
    }

    [Fact]
    public void StoppedAtEpochTwoAndResumedToFourEqualsAnUninterruptedRun()
    {
        using var folder = new TempFolder("resume");
        var data = TestData.Tiny(folder);

        var straight = new Trainer(TestData.TinyRun(data, folder["straight"], 4), new RecordingProgress()).Run();
        Assert.Equal(TrainOutcome.Completed, straight.Outcome);

        using var cancel = new CancellationTokenSource();
        var first = new Trainer(TestData.TinyRun(data, folder["split"], 4), new RecordingProgress());
        first.EpochCompleted += m => { if (m.Epoch == 2) cancel.Cancel(); };
        var stopped = first.Run(cancellationToken: cancel.Token);
        Assert.Equal(TrainOutcome.Stopped, stopped.Outcome);
        Assert.Equal(2, stopped.Position.Epoch);

        // The stopped run must not already equal the finished one, or the comparison below proves nothing.
        Assert.NotEqual(straight.Position.Step, stopped.Position.Step);

        var resumed = new Trainer(TestData.TinyRun(data, folder["split"], 4), new RecordingProgress()).Run(stopped.LastCheckpoint);
        Assert.Equal(TrainOutcome.Completed, resumed.Outcome);
        Assert.Equal(straight.Position.Step, resumed.Position.Step);
        AssertBitEqual(straight.LastCheckpoint, resumed.LastCheckpoint);
    }

    [Fact]
    public void TMaxFollowsALongerScheduleAndSaveEveryKeepsEachEpoch()
    {
        using var folder = new TempFolder("tmax");
        var data = TestData.Tiny(folder);
        var longRun = TestData.TinyRun(data, folder["long"], 4);
        longRun.SaveEvery = 1;
        var lrs = new List<double>();
        var trainer = new Trainer(longRun, new RecordingProgress());
        trainer.EpochCompleted += m => lrs.Add(m.LearningRate);
        var straight = trainer.Run();
        foreach (var epoch in new[] { 1, 2, 3, 4 }) Assert.True(File.Exists(trainer.EpochCheckpointPath(epoch)), $"epoch-{epoch}.ckpt missing");

        // The first two epochs of the 4-epoch cosine, cut short: 6 steps per epoch, 6 of warm-up, then
        // cos over 18 steps; after step 12 the rate is 0.02 (1 + cos(π 6/18)) / 2 = 0.015.
        var shortRun = TestData.TinyRun(data, folder["short"], 2);
        shortRun.TMax = 4;
        var cut = new Trainer(shortRun, new RecordingProgress()).Run();
        Assert.Equal(0.015, lrs[1], 9);
        Assert.Equal(12, cut.Position.Step);
        Assert.Equal(0.015, ReadLastLr(folder["short"]), 9);
        AssertBitEqual(trainer.EpochCheckpointPath(2), cut.LastCheckpoint);
        Assert.NotEqual(straight.Position.Step, cut.Position.Step);
    }

    private static double ReadLastLr(string runDir)
    {
        var last = File.ReadLines(Path.Combine(runDir, "metrics.csv")).Last().Split(',');
        return double.Parse(last[2], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void StoppedMidEpochAndResumedEqualsAnUninterruptedRun()
    {
        using var folder = new TempFolder("resume-mid");
        var data = TestData.Tiny(folder);
        var straight = new Trainer(TestData.TinyRun(data, folder["straight"], 2), new RecordingProgress()).Run();

        using var cancel = new CancellationTokenSource();
        // 24 training images in batches of 4: 6 steps per epoch; stop after step 8 (inside epoch 2).
        var stopped = new Trainer(TestData.TinyRun(data, folder["split"], 2), new RecordingProgress(cancel, 8)).Run(cancellationToken: cancel.Token);
        Assert.Equal(TrainOutcome.Stopped, stopped.Outcome);
        Assert.Equal(new TrainingPosition(1, 2, 8, null), stopped.Position);

        var resumed = new Trainer(TestData.TinyRun(data, folder["split"], 2), new RecordingProgress()).Run(stopped.LastCheckpoint);
        Assert.Equal(12, resumed.Position.Step);
        AssertBitEqual(straight.LastCheckpoint, resumed.LastCheckpoint);
    }
}
