using System.Diagnostics;
using SsdLite.Detection;
using SsdLite.Platform.Checkpoints;
using TorchSharp;

namespace SsdLite.Tools.Tests;

[Collection("training")]
public sealed class CheckpointInterruptionTests
{
    /// <summary>
    /// Kills a training child process (SIGKILL) at staggered moments while it saves a checkpoint every epoch
    /// (epochs take well under a second here, so kills land during saves too); after every kill the last
    /// checkpoint must load, and a resumed run must pick up from it.
    /// </summary>
    [Fact]
    public void KilledTrainingLeavesALoadableCheckpoint()
    {
        using var folder = new TempFolder("kill");
        var data = TestData.Tiny(folder, images: 20, side: 64);
        var run = folder["run"];
        var last = Path.Combine(run, "checkpoints", "last.ckpt");
        var killed = 0;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var resume = File.Exists(last) ? $"--resume {last}" : "";
            using var child = StartTraining(data, run, resume);
            WaitFor(() => File.Exists(last) && Checkpoint.IsCheckpoint(last), TimeSpan.FromSeconds(120), child);
            Thread.Sleep(150 + 170 * attempt);
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
                killed++;
            }
            child.WaitForExit();
            using var checkpoint = Checkpoint.Load(last);
            Assert.True(checkpoint.Metadata.ContainsKey(ModelWeights.ConfigKey));
            Assert.Contains(checkpoint.Tensors, kv => kv.Key.StartsWith("model.", StringComparison.Ordinal));
        }
        Assert.True(killed > 0, "no run was still going when it was to be killed");
        using var weights = ModelWeights.Read(last);
        Assert.Equal(WeightsFormat.SsdLiteCheckpoint, weights.Format);
    }

    /// <summary>What an interrupted save leaves behind (a partial temp file) does not disturb the checkpoint.</summary>
    [Fact]
    public void LeftoverPartialTempFileDoesNotAffectTheCheckpoint()
    {
        using var folder = new TempFolder("partial");
        var path = folder["last.ckpt"];
        using (var t = torch.tensor(new float[] { 1, 2, 3 })) Checkpoint.Save(path, [new("model.w", t)], new Dictionary<string, string> { ["k"] = "v1" });
        var good = File.ReadAllBytes(path);
        File.WriteAllBytes(folder[".last.ckpt.999.partial.tmp"], good.AsSpan(0, good.Length / 2).ToArray());
        // A truncated file in the checkpoint's own place would be refused: the check the atomic rename avoids.
        var truncated = folder["truncated.ckpt"];
        File.WriteAllBytes(truncated, good.AsSpan(0, good.Length - 10).ToArray());
        Assert.Throws<InvalidDataException>(() => Checkpoint.Load(truncated));
        using var loaded = Checkpoint.Load(path);
        Assert.Equal("v1", loaded.Metadata["k"]);
        Assert.Equal([1f, 2f, 3f], loaded.Tensors[0].Value.data<float>().ToArray());
    }

    private static Process StartTraining(string data, string run, string resume)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "ssdlite.dll");
        var args = $"\"{dll}\" train --data \"{data}\" --out \"{run}\" --epochs 200 --batch-size 4 --seed 3 {resume} " +
            "--set width=0.25 input_size=64 train_split=train val_every=0 workers=1";
        var info = new ProcessStartInfo("dotnet", args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void WaitFor(Func<bool> condition, TimeSpan timeout, Process child)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (child.HasExited) throw new InvalidOperationException($"training child exited early with code {child.ExitCode}");
            if (clock.Elapsed > timeout) throw new TimeoutException("no checkpoint appeared");
            Thread.Sleep(50);
        }
    }
}
