using SsdLite.Core.Evaluation;
using SsdLite.Data.Synthetic;
using SsdLite.Runtime;
using SsdLite.Tools.Evaluation;
using Xunit.Abstractions;

namespace SsdLite.Tools.Tests;

/// <summary><c>ssdlite export --int8</c> through the real command line on the reference's trained c7 detector and the tiny shape set.</summary>
[Collection("training")]
public sealed class Int8ExportCommandTests(ITestOutputHelper output)
{
    private static string Tiny(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "Data", "from-main", "tiny", .. parts]);

    [Fact]
    public void AnInt8ExportOfTheTrainedC7ModelRunsThroughDetectAndEvalWithoutAnyOtherFlag()
    {
        using var folder = new TempFolder("int8-cli");
        var calibration = TrainImages(folder["calibration"]);
        string[] model = ["export", "--weights", TestData.Oracle("trained-c7.pth"), "--labels", Tiny("labels.txt"), "--format", "onnx"];
        var (code, stdout, error) = CommandTests.Invoke([.. model, "--out", folder["fp32.onnx"]]);
        Assert.True(code == 0, error);
        (code, stdout, error) = CommandTests.Invoke([.. model, "--out", folder["int8.onnx"], "--int8", "--calibration", calibration]);
        Assert.True(code == 0, error);
        Assert.Contains("export: calibrating 24/24 images", stdout);
        Assert.Contains("86 convolutions", stdout);
        Assert.Contains("calibrated on 24 images", stdout);

        // No flag tells detect or eval that the model is int8.
        (code, _, error) = CommandTests.Invoke("detect", "--runtime", "onnx", "--weights", folder["int8.onnx"], "--json", folder["d.json"],
            "--score-threshold", "0.1", TestData.Oracle("image.jpg"));
        Assert.True(code == 0, error);
        (code, _, error) = CommandTests.Invoke("eval", "--runtime", "onnx", "--weights", folder["int8.onnx"], "--data", Tiny(), "--split", "test",
            "--json", folder["eval.json"]);
        Assert.True(code == 0, error);
        Assert.True(File.Exists(folder["eval.json"]));

        Assert.Contains("\"label\": \"square\"", File.ReadAllText(folder["d.json"])); // the c7 model's most confident class on the photo
    }

    [Fact]
    public void OnAFreshHeldOutSetTheInt8MapIsAtLeastTheFloatMapMinusOneHundredth()
    {
        // A new draw of the shapes the checkpoint was trained on (another seed: none of these images was seen in
        // training); calibration reads its train half, evaluation its test half.
        using var folder = new TempFolder("int8-map");
        var data = folder["data"];
        SyntheticVoc.Generate(TestData.EndToEndShapes(images: 240, seed: 99, trainFraction: 0.5), data);
        var calibration = Directory.CreateDirectory(folder["calibration"]).FullName;
        foreach (var id in File.ReadAllLines(Path.Combine(data, "ImageSets", "Main", "train.txt")).Where(l => l.Trim().Length > 0))
            File.Copy(Path.Combine(data, "JPEGImages", id.Trim() + ".jpg"), Path.Combine(calibration, id.Trim() + ".jpg"));
        var weights = Path.Combine(AppContext.BaseDirectory, "Data", "int8", "shapes-160-epoch4.ckpt");
        var (code, _, error) = CommandTests.Invoke("export", "--weights", weights, "--out", folder["fp32.onnx"]);
        Assert.True(code == 0, error);
        (code, _, error) = CommandTests.Invoke("export", "--weights", weights, "--out", folder["int8.onnx"], "--int8", "--calibration", calibration);
        Assert.True(code == 0, error);

        var fp32 = Map(folder["fp32.onnx"], data);
        var int8 = Map(folder["int8.onnx"], data);
        output.WriteLine($"held-out test split: fp32 mAP {fp32:F4}, int8 mAP {int8:F4}");
        // An untrained model scores near zero; this one, about 0.06 on its own test split.
        Assert.True(fp32 > 0.03, $"the float model's mAP {fp32:F4} is too low to compare against");
        Assert.True(int8 >= fp32 - 0.01, $"int8 mAP {int8:F4} < float {fp32:F4} - 0.01");
    }

    [Fact]
    public void BadCalibrationInputGetsOneClearLineAndWritesNothing()
    {
        using var folder = new TempFolder("int8-cli-bad");
        var empty = Directory.CreateDirectory(folder["empty"]).FullName;
        var calibration = TrainImages(folder["calibration"]);
        var output = folder["out"];
        Directory.CreateDirectory(output);
        string[] model = ["export", "--weights", TestData.Oracle("trained-c7.pth"), "--labels", TestData.Oracle("labels-c7.txt"), "--out", Path.Combine(output, "m.onnx")];
        AssertFails([.. model, "--int8", "--calibration", empty], $"calibration folder {empty} holds no image files");
        AssertFails([.. model, "--int8", "--calibration", calibration, "--calibration-images", "25"], "25 calibration images asked for", "only 24 image files");
        AssertFails([.. model, "--int8"], "needs calibration images");
        AssertFails([.. model, "--calibration", calibration], "go with --int8");
        AssertFails([.. model, "--int8", "--calibration", calibration, "--opset", "12"], "needs opset 13");
        AssertFails([.. model, "--format", "pth", "--int8", "--calibration", calibration], "--int8 quantises an ONNX graph");
        Assert.Empty(Directory.EnumerateFileSystemEntries(output));
    }

    private static void AssertFails(string[] args, params string[] expected)
    {
        var (code, _, error) = CommandTests.Invoke(args);
        Assert.Equal(1, code);
        Assert.StartsWith("ssdlite export: error: ", error);
        foreach (var text in expected) Assert.Contains(text, error);
    }

    private static double Map(string model, string data)
    {
        using var detector = OnnxDetector.Load(model);
        return EvalRunner.Run(detector, data, "test", VocMetric.Voc07).Result.MeanAveragePrecision;
    }

    // The tiny set's train split alone, so that val and test stay held out.
    private static string TrainImages(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var id in File.ReadAllLines(Tiny("ImageSets", "Main", "train.txt")).Where(l => l.Trim().Length > 0))
            File.Copy(Tiny("JPEGImages", id.Trim() + ".jpg"), Path.Combine(folder, id.Trim() + ".jpg"));
        return folder;
    }
}
