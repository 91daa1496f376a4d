using SsdLite.Core;
using SsdLite.Detection.Models;
using SsdLite.Runtime;
namespace SsdLite.Detection.Tests.Model;

/// <summary>
/// Native memory is freed deterministically: inference, forward and loss leave no tensor of theirs alive on the
/// calling thread, and the detector gives the same outputs when called from several threads at once.
/// </summary>
public class LifetimeTests
{
    private static string Oracle(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "oracle", name);

    private static IReadOnlyList<string> Names(int count) => Enumerable.Range(1, count).Select(i => $"c{i}").ToList();

    private static float[] ReadF32(string name)
    {
        var bytes = File.ReadAllBytes(Oracle(name));
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    // Tensors created minus tensors disposed on this thread (TorchSharp counts per thread).
    private static long Live() => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    [Theory]
    [InlineData("mb2-ssd-lite-seed1234-c21.pth")]
    [InlineData("mb1/mb1-ssd-lite-seed4321-c21.pth")]
    public void PredictLeavesNoTensorAlive(string weights)
    {
        using var detector = Detector.Load(Oracle(weights), Names(20));
        var input = ReadF32("input.f32");
        detector.Predict(input, 1);
        var before = Live();
        detector.Predict(input, 1);
        Assert.Equal(before, Live());
    }

    [Theory]
    [InlineData(SsdArch.Mb2SsdLite)]
    [InlineData(SsdArch.Mb1SsdLite)]
    [InlineData(SsdArch.Mb1Ssd)]
    public void ForwardAndLossLeaveOnlyTheirOutputs(SsdArch arch)
    {
        var config = new SsdLiteConfig(["a", "b"], width: 0.35, inputSize: 96, arch: arch);
        using var model = new SsdLiteModel(config);
        var priors = config.GeneratePriors().Length / 4;
        using var images = torch.randn(2, 3, 96, 96);
        using var gt = torch.zeros(2, priors, 4);
        using var labels = torch.zeros([2, priors], ScalarType.Int64);
        var before = Live();
        using (var outputs = model.forward(images))
        {
            Assert.Equal(before + 2, Live());
            using var parts = new MultiBoxLoss().Compute(outputs.Confidences, outputs.Locations, labels, gt);
            Assert.Equal(before + 4, Live());
        }
        Assert.Equal(before, Live());
    }

    [Fact]
    public void ConcurrentPredictionsEqualSerialOnes()
    {
        using var detector = Detector.Load(Oracle("mb2-ssd-lite-seed1234-c21.pth"), Names(20));
        var input = ReadF32("input.f32");
        var serial = detector.Predict(input, 1);
        var results = new RawPredictions[8];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => results[i] = detector.Predict(input, 1));
        foreach (var r in results)
        {
            // Kernels may split work differently under load; a shared buffer would differ by far more than rounding.
            Assert.True(MaxAbsDiff(serial.Scores, r.Scores) <= 1e-6, $"scores differ by {MaxAbsDiff(serial.Scores, r.Scores)}");
            Assert.True(MaxAbsDiff(serial.Boxes, r.Boxes) <= 1e-5, $"boxes differ by {MaxAbsDiff(serial.Boxes, r.Boxes)}");
        }
    }

    private static double MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (var i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
