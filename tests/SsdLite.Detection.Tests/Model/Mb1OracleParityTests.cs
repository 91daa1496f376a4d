using SsdLite.Core;
using SsdLite.Detection.Models;
using SsdLite.Platform.Engine;
using Xunit.Abstractions;

namespace SsdLite.Detection.Tests.Model;

/// <summary>
/// The MobileNetV1 detectors against outputs of the reference PyTorch implementation (Data/oracle/mb1/README.md):
/// random weights with non-trivial BatchNorm statistics, the mb2 oracle's input.
/// </summary>
public class Mb1OracleParityTests(ITestOutputHelper output)
{
    private const double ScoreTolerance = 1e-5;
    private const double BoxTolerance = 1e-4;

    private static string Oracle(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "oracle", name);

    private static float[] ReadF32(string name)
    {
        var bytes = File.ReadAllBytes(Oracle(name));
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    private static IReadOnlyList<string> Names(int count) => Enumerable.Range(1, count).Select(i => $"c{i}").ToList();

    [Theory]
    [InlineData("mb1-ssd", SsdArch.Mb1Ssd)]
    [InlineData("mb1-ssd-lite", SsdArch.Mb1SsdLite)]
    public void DetectorLoadsTheReferencePthAndGivesItsScoresAndBoxes(string name, SsdArch arch)
    {
        // The user's path: the arch told from the keys, BatchNorm folded, channels last on the CPU.
        using var detector = Detector.Load(Oracle($"mb1/{name}-seed4321-c21.pth"), Names(20));
        Assert.Equal(arch, detector.Config.Arch);
        Assert.Equal(MemoryFormat.ChannelsLast, detector.Layout);
        var raw = detector.Predict(ReadF32("input.f32"), 1);
        AssertAgrees(name, raw.Scores, raw.Boxes);
    }

    [Theory]
    [InlineData("mb1-ssd", false, MemoryFormat.Contiguous)]
    [InlineData("mb1-ssd", false, MemoryFormat.ChannelsLast)]
    [InlineData("mb1-ssd", true, MemoryFormat.Contiguous)]
    [InlineData("mb1-ssd", true, MemoryFormat.ChannelsLast)]
    [InlineData("mb1-ssd-lite", false, MemoryFormat.Contiguous)]
    [InlineData("mb1-ssd-lite", false, MemoryFormat.ChannelsLast)]
    [InlineData("mb1-ssd-lite", true, MemoryFormat.Contiguous)]
    [InlineData("mb1-ssd-lite", true, MemoryFormat.ChannelsLast)]
    public void EveryFormOfTheNetworkGivesTheReferenceOutputs(string name, bool fold, MemoryFormat layout)
    {
        SsdLiteModel model;
        using (var weights = ModelWeights.Read(Oracle($"mb1/{name}-seed4321-c21.pth")))
        {
            model = new SsdLiteModel(Detector.ConfigFor(weights, Names(20)));
            weights.LoadInto(model);
        }
        using var _model = model;
        model.eval();
        using var folded = fold ? BatchNormFolding.Fold(model) : null;
        nn.Module<Tensor, HeadOutputs> network = folded is null ? model : folded;
        network.to(layout);

        float[] scores, locations;
        using (torch.no_grad())
        using (torch.NewDisposeScope())
        {
            var input = torch.tensor(ReadF32("input.f32"), new long[] { 1, 3, 300, 300 }).contiguous(layout);
            var outputs = network.forward(input);
            scores = SsdLiteModel.Scores(outputs).contiguous().data<float>().ToArray();
            locations = outputs.Locations.contiguous().data<float>().ToArray();
        }
        var boxes = new float[locations.Length];
        new BoxCoder(model.Config.Priors).Decode(locations, model.Config.GeneratePriors(), boxes);
        AssertAgrees(name, scores, boxes);
    }

    private void AssertAgrees(string name, float[] scores, float[] boxes)
    {
        var expectedScores = ReadF32($"mb1/{name}-scores.f32");
        var expectedBoxes = ReadF32($"mb1/{name}-boxes.f32");
        Assert.Equal(3000 * 21, expectedScores.Length);
        Assert.Equal(expectedScores.Length, scores.Length);
        Assert.Equal(expectedBoxes.Length, boxes.Length);
        var maxScore = MaxAbsDiff(expectedScores, scores);
        var maxBox = MaxAbsDiff(expectedBoxes, boxes);
        output.WriteLine($"{name}: max score difference {maxScore:E2}, max box difference {maxBox:E2}");
        Assert.True(maxScore <= ScoreTolerance, $"max score difference {maxScore}");
        Assert.True(maxBox <= BoxTolerance, $"max box difference {maxBox}");
    }

    private static double MaxAbsDiff(float[] a, float[] b)
    {
        double max = 0;
        for (var i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
