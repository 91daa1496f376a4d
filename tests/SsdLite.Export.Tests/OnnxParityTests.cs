using SsdLite.Core;
using SsdLite.Detection;
using SsdLite.Detection.Models;
using SsdLite.Runtime;

namespace SsdLite.Export.Tests;

/// <summary>
/// The exported graph in ONNX Runtime against the TorchSharp detector (folded, as it serves) on the same input: scores
/// within 1e-5 and boxes within 1e-4, for every architecture, widths 0.5 and 1.0 and input sizes 160 and 300.
/// </summary>
public sealed class OnnxParityTests
{
    private const double ScoreTolerance = 1e-5;
    private const double BoxTolerance = 1e-4;

    [Theory]
    [InlineData("mb2-ssd-lite-seed1234-c21.pth", "scores.f32", "boxes.f32")]
    [InlineData("mb1-ssd-lite-seed4321-c21.pth", "mb1/mb1-ssd-lite-scores.f32", "mb1/mb1-ssd-lite-boxes.f32")]
    [InlineData("mb1-ssd-seed4321-c21.pth", "mb1/mb1-ssd-scores.f32", "mb1/mb1-ssd-boxes.f32")]
    public void OracleWeightsOnTheOracleInputGiveTheTorchAndReferenceOutputs(string weights, string scores, string boxes)
    {
        var path = File.Exists(TestFiles.Oracle(weights)) ? TestFiles.Oracle(weights) : TestFiles.Oracle(Path.Combine("mb1", weights));
        using var folder = new TempFolder("oracle");
        var model = Detector.LoadModel(path, TestFiles.Names(20));
        OnnxExporter.Export(model, folder["model.onnx"]);
        using var torchDetector = new Detector(model);
        using var onnx = OnnxDetector.Load(folder["model.onnx"]);

        var input = TestFiles.ReadF32(TestFiles.Oracle("input.f32"));
        var ours = onnx.Predict(input, 1);
        var torchOut = torchDetector.Predict(input, 1);
        AssertClose(torchOut, ours);
        Assert.True(TestFiles.MaxAbsDiff(TestFiles.ReadF32(TestFiles.Oracle(scores)), ours.Scores) <= ScoreTolerance, "scores against the reference");
        Assert.True(TestFiles.MaxAbsDiff(TestFiles.ReadF32(TestFiles.Oracle(boxes)), ours.Boxes) <= BoxTolerance, "boxes against the reference");
    }

    [Theory]
    [InlineData(SsdArch.Mb2SsdLite, 1.0, 160)]
    [InlineData(SsdArch.Mb2SsdLite, 0.5, 300)]
    [InlineData(SsdArch.Mb2SsdLite, 0.5, 160)]
    [InlineData(SsdArch.Mb1SsdLite, 0.5, 160)]
    [InlineData(SsdArch.Mb1Ssd, 0.5, 160)]
    public void RandomModelsOnRandomInputsGiveTheTorchOutputs(SsdArch arch, double width, int size)
    {
        using var folder = new TempFolder("random");
        torch.manual_seed(11);
        var model = new SsdLiteModel(new SsdLiteConfig(TestFiles.Names(6), width, size,
            width == 1.0 ? ChannelRounding.MakeDivisible : ChannelRounding.Truncate, arch: arch));
        RandomizeBatchNorms(model);
        model.eval();
        var result = OnnxExporter.Export(model, folder["model.onnx"]);
        Assert.Equal(size, result.InputSize);
        using var torchDetector = new Detector(model);
        using var onnx = OnnxDetector.Load(folder["model.onnx"]);
        Assert.Equal(size, onnx.InputSize);
        Assert.Null(onnx.FixedBatchSize);

        var input = TestFiles.RandomInput(2 * 3 * size * size, seed: size + (int)(width * 10));
        var ours = onnx.Predict(input, 2);
        Assert.Equal(model.Config.GeneratePriors().Length / 4, ours.PriorCount);
        AssertClose(torchDetector.Predict(input, 2), ours);
    }

    [Fact]
    public void InputSizeOptionExportsTheSameWeightsForAnotherSide()
    {
        using var folder = new TempFolder("size");
        var model = Detector.LoadModel(TestFiles.Oracle("mb2-ssd-lite-seed1234-c21.pth"), TestFiles.Names(20));
        OnnxExporter.Export(model, folder["model.onnx"], new OnnxExportOptions { InputSize = 160 });
        // The TorchSharp twin at 160: the same weights under a config whose priors follow the side.
        var at160 = new SsdLiteModel(OnnxExporter.AtInputSize(model.Config, 160));
        using (var _ = torch.no_grad()) at160.load_state_dict(model.state_dict());
        model.Dispose();
        using var torchDetector = new Detector(at160);
        using var onnx = OnnxDetector.Load(folder["model.onnx"]);
        Assert.Equal(160, onnx.InputSize);
        var input = TestFiles.RandomInput(3 * 160 * 160, seed: 5);
        AssertClose(torchDetector.Predict(input, 1), onnx.Predict(input, 1));
    }

    [Fact]
    public void FixedBatchRunsAnyImageCountInPaddedChunks()
    {
        using var folder = new TempFolder("batch");
        torch.manual_seed(3);
        using var model = new SsdLiteModel(new SsdLiteConfig(TestFiles.Names(3), 0.5, 96, ChannelRounding.Truncate));
        RandomizeBatchNorms(model);
        model.eval();
        OnnxExporter.Export(model, folder["dynamic.onnx"]);
        OnnxExporter.Export(model, folder["fixed.onnx"], new OnnxExportOptions { BatchSize = 3, Opset = 13 });
        using var dynamic = OnnxDetector.Load(folder["dynamic.onnx"]);
        using var fixedBatch = OnnxDetector.Load(folder["fixed.onnx"]);
        Assert.Equal(3, fixedBatch.FixedBatchSize);
        var image = 3 * 96 * 96;
        var input = TestFiles.RandomInput(5 * image, seed: 8);
        var all = dynamic.Predict(input, 5);
        var chunked = fixedBatch.Predict(input, 5);
        Assert.Equal(5, chunked.BatchSize);
        Assert.True(TestFiles.MaxAbsDiff(all.Scores, chunked.Scores) <= ScoreTolerance);
        Assert.True(TestFiles.MaxAbsDiff(all.Boxes, chunked.Boxes) <= BoxTolerance);
        // One image alone, padded to three, gives that image's rows of the five-image run.
        var one = fixedBatch.Predict(input.AsSpan(image, image), 1);
        Assert.True(TestFiles.MaxAbsDiff(all.ScoresOf(1), one.ScoresOf(0)) <= ScoreTolerance);
    }

    [Fact]
    public void MetadataAndLabelsFileCarryTheClassesAndInputSize()
    {
        using var folder = new TempFolder("meta");
        using var model = new SsdLiteModel(new SsdLiteConfig(["cat", "dog, big"], 0.5, 128, ChannelRounding.Truncate, arch: SsdArch.Mb1SsdLite));
        var result = OnnxExporter.Export(model, folder["out/m.onnx"]);
        Assert.Equal(folder["out/labels.txt"], result.LabelsPath);
        Assert.Equal(["BACKGROUND", "cat", "dog, big"], File.ReadAllLines(folder["out/labels.txt"]));
        using var onnx = OnnxDetector.Load(folder["out/m.onnx"]);
        Assert.Equal(["cat", "dog, big"], onnx.ClassNames);
        Assert.Equal("128", onnx.Metadata[OnnxConventions.InputSizeKey]);
        Assert.Equal("mb1-ssd-lite", onnx.Metadata[OnnxConventions.ArchKey]);
        Assert.Equal(3, onnx.ClassCountWithBackground);
        Assert.Empty(Directory.GetFiles(folder["out"], "*.tmp"));
    }

    private static void AssertClose(RawPredictions expected, RawPredictions actual)
    {
        Assert.Equal(expected.PriorCount, actual.PriorCount);
        Assert.Equal(expected.ClassCountWithBackground, actual.ClassCountWithBackground);
        var scores = TestFiles.MaxAbsDiff(expected.Scores, actual.Scores);
        var boxes = TestFiles.MaxAbsDiff(expected.Boxes, actual.Boxes);
        Assert.True(scores <= ScoreTolerance, $"max score difference {scores}");
        Assert.True(boxes <= BoxTolerance, $"max box difference {boxes}");
    }

    // Statistics away from the initial (0, 1), so that folding changes every weight.
    internal static void RandomizeBatchNorms(SsdLiteModel model)
    {
        using var _ = torch.no_grad();
        foreach (var (_, module) in model.named_modules())
        {
            if (module is not TorchSharp.Modules.BatchNorm bn) continue;
            bn.running_mean!.uniform_(-0.2, 0.2);
            bn.running_var!.uniform_(0.5, 1.5);
            bn.weight!.uniform_(0.7, 1.3);
            bn.bias!.uniform_(-0.1, 0.1);
        }
    }
}
