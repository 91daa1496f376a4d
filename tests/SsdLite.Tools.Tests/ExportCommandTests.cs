using System.Text.Json;

namespace SsdLite.Tools.Tests;

/// <summary><c>ssdlite export</c> and <c>detect --runtime onnx</c> through the real command line, on the reference's trained c7 detector.</summary>
[Collection("training")]
public sealed class ExportCommandTests
{
    private static (int Code, string Out, string Error) Invoke(params string[] args) => CommandTests.Invoke(args);

    [Fact]
    public void DetectWithOnnxRuntimeGivesTheTorchPathsDetections()
    {
        using var folder = new TempFolder("export-detect");
        var (code, output, error) = Invoke("export", "--weights", TestData.Oracle("trained-c7.pth"), "--labels", TestData.Oracle("labels-c7.txt"),
            "--format", "onnx", "--out", folder["c7.onnx"]);
        Assert.True(code == 0, error);
        Assert.Contains("3000 priors, 7 classes", output);
        Assert.True(File.Exists(folder["labels.txt"]));

        string[] common = ["--score-threshold", "0.1", "--top-k", "10", TestData.Oracle("image.jpg")];
        (code, _, error) = Invoke(["detect", "--runtime", "onnx", "--weights", folder["c7.onnx"], "--json", folder["onnx.json"], .. common]);
        Assert.True(code == 0, error);
        (code, _, error) = Invoke(["detect", "--weights", TestData.Oracle("trained-c7.pth"), "--labels", TestData.Oracle("labels-c7.txt"), "--json", folder["torch.json"], .. common]);
        Assert.True(code == 0, error);

        var onnx = Detections(folder["onnx.json"]);
        var torch = Detections(folder["torch.json"]);
        Assert.Equal(12, torch.Count);
        Assert.Equal(torch.Count, onnx.Count);
        for (var i = 0; i < onnx.Count; i++)
        {
            Assert.Equal(torch[i].Label, onnx[i].Label);
            Assert.True(Math.Abs(torch[i].Score - onnx[i].Score) <= 1e-5, $"detection {i}: {onnx[i].Score} vs {torch[i].Score}");
            for (var k = 0; k < 4; k++)
                Assert.True(Math.Abs(torch[i].Box[k] - onnx[i].Box[k]) <= 0.05, $"detection {i} coordinate {k}: {onnx[i].Box[k]} vs {torch[i].Box[k]}");
        }
    }

    [Fact]
    public void BadModelsAndOptionsGetOneClearLine()
    {
        using var folder = new TempFolder("export-bad");
        var missing = folder["missing.onnx"];
        File.WriteAllText(folder["text.onnx"], "not a model");
        var (code, _, error) = Invoke("export", "--weights", TestData.Oracle("trained-c7.pth"), "--labels", TestData.Oracle("labels-c7.txt"), "--out", folder["c7.onnx"]);
        Assert.True(code == 0, error);

        string[] image = [TestData.Oracle("image.jpg")];
        AssertFails(["detect", "--runtime", "onnx", "--weights", missing, .. image], "model file not found", missing);
        AssertFails(["detect", "--runtime", "onnx", "--weights", folder["text.onnx"], .. image], "not a model ONNX Runtime can load", folder["text.onnx"]);
        File.WriteAllText(folder["three.txt"], "a\nb\nc\n");
        AssertFails(["detect", "--runtime", "onnx", "--weights", folder["c7.onnx"], "--labels", folder["three.txt"], .. image],
            "predicts 6 object classes, the labels name 3", folder["c7.onnx"]);
        AssertFails(["detect", "--weights", folder["c7.onnx"], .. image], "run it with --runtime onnx", folder["c7.onnx"]);
        AssertFails(["detect", "--runtime", "onnx", "--device", "cuda", "--weights", folder["c7.onnx"], .. image], "runs on the CPU");
        AssertFails(["export", "--weights", TestData.Oracle("trained-c7.pth"), "--labels", TestData.Oracle("labels-c7.txt"), "--out", folder["x.onnx"], "--opset", "9"], "opset must be 11..21");
        AssertFails(["export", "--weights", TestData.Oracle("trained-c7.pth"), "--labels", TestData.Oracle("labels-c7.txt"), "--out", folder["x.onnx"], "--batch", "0"], "--batch must be");
        AssertFails(["export", "--weights", TestData.Oracle("trained-c7.pth"), "--labels", folder["three.txt"], "--out", folder["x.onnx"]], "has 6 object classes, the labels name 3");
        Assert.False(File.Exists(folder["x.onnx"]));
    }

    private static void AssertFails(string[] args, params string[] expected)
    {
        var (code, _, error) = Invoke(args);
        Assert.Equal(1, code);
        foreach (var e in expected) Assert.Contains(e, error);
    }

    private static List<(string Label, float Score, float[] Box)> Detections(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement[0].GetProperty("detections").EnumerateArray()
            .Select(d => (d.GetProperty("label").GetString()!, d.GetProperty("score").GetSingle(),
                d.GetProperty("box").EnumerateArray().Select(v => v.GetSingle()).ToArray()))
            .ToList();
    }
}
