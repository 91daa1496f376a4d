using System.Text.Json;
using SsdLite.Detection;
using SsdLite.Runtime;
using SsdLite.Vision;

namespace SsdLite.Export.Tests;

/// <summary>The trained c7 detector exported and run through ONNX Runtime finds what the TorchSharp path and the reference find.</summary>
public sealed class DetectParityTests
{
    [Fact]
    public void OnnxDetectionsOfTheOracleImageEqualTheTorchPathsAndTheReferences()
    {
        using var folder = new TempFolder("c7");
        var labels = TestFiles.C7Labels();
        var model = Detector.LoadModel(TestFiles.Oracle("trained-c7.pth"), labels);
        OnnxExporter.Export(model, folder["c7.onnx"]);
        using var torchDetector = new Detector(model);
        using var onnx = OnnxDetector.Load(folder["c7.onnx"]);
        Assert.Equal(labels, onnx.ClassNames);
        IObjectDetector[] detectors = [torchDetector, onnx];
        foreach (var d in detectors) d.PostProcessor = ClassLabels.PostProcessorFor(d, 0.1f, topK: 10);

        var image = ImageIO.Read(TestFiles.Oracle("image.jpg"));
        var viaTorch = torchDetector.Detect(image);
        var viaOnnx = onnx.Detect(image);
        var reference = ReferenceDetections();
        Assert.Equal(12, reference.Count);
        Assert.Equal(reference.Count, viaOnnx.Count);
        Assert.Equal(viaTorch.Count, viaOnnx.Count);
        for (var i = 0; i < viaOnnx.Count; i++)
        {
            var (o, t, r) = (viaOnnx[i], viaTorch[i], reference[i]);
            Assert.Equal(t.Label, o.Label);
            Assert.Equal(r.Label, o.Label);
            Assert.True(Math.Abs(t.Score - o.Score) <= 1e-5, $"detection {i}: score {o.Score} vs torch {t.Score}");
            Assert.True(Math.Abs(r.Score - o.Score) <= 1e-5, $"detection {i}: score {o.Score} vs reference {r.Score}");
            float[] ours = [o.Box.XMin, o.Box.YMin, o.Box.XMax, o.Box.YMax];
            float[] torchBox = [t.Box.XMin, t.Box.YMin, t.Box.XMax, t.Box.YMax];
            // Boxes are relative values within 1e-4 scaled by the image (455x314): 0.05 px covers it.
            for (var k = 0; k < 4; k++)
            {
                Assert.True(Math.Abs(torchBox[k] - ours[k]) <= 0.05, $"detection {i} coordinate {k}: {ours[k]} vs torch {torchBox[k]}");
                var clamped = Math.Clamp(r.Box[k], 0, k % 2 == 0 ? image.Width : image.Height); // the reference does not clamp
                Assert.True(Math.Abs(clamped - ours[k]) <= 0.05, $"detection {i} coordinate {k}: {ours[k]} vs reference {clamped}");
            }
        }
    }

    internal static List<(string Label, float Score, float[] Box)> ReferenceDetections()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestFiles.Oracle("detections-trained.json")));
        return doc.RootElement.GetProperty("images")[0].GetProperty("detections").EnumerateArray()
            .Select(d => (d.GetProperty("label").GetString()!, d.GetProperty("score").GetSingle(),
                d.GetProperty("box").EnumerateArray().Select(v => v.GetSingle()).ToArray()))
            .OrderByDescending(d => d.Item2).ToList();
    }
}
