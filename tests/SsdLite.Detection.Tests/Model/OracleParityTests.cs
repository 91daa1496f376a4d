using System.Text.Json;
using SsdLite.Runtime;
using SsdLite.Vision;

namespace SsdLite.Detection.Tests.Model;

/// <summary>The C# network, importer and post-processing against outputs of the reference PyTorch implementation.</summary>
public class OracleParityTests
{
    private static string Oracle(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "oracle", name);

    private static float[] ReadF32(string name)
    {
        var bytes = File.ReadAllBytes(Oracle(name));
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    private static IReadOnlyList<string> Names(int count) => Enumerable.Range(1, count).Select(i => $"c{i}").ToList();

    [Fact]
    public void RandomWeightsGiveTheReferenceScoresAndBoxes()
    {
        using var detector = Detector.Load(Oracle("mb2-ssd-lite-seed1234-c21.pth"), Names(20));
        var raw = detector.Predict(ReadF32("input.f32"), 1);
        var scores = ReadF32("scores.f32");
        var boxes = ReadF32("boxes.f32");
        Assert.Equal(3000 * 21, scores.Length);
        Assert.Equal(scores.Length, raw.Scores.Length);
        Assert.Equal(boxes.Length, raw.Boxes.Length);
        var maxScore = MaxAbsDiff(scores, raw.Scores);
        var maxBox = MaxAbsDiff(boxes, raw.Boxes);
        Assert.True(maxScore <= 1e-5, $"max score difference {maxScore}");
        Assert.True(maxBox <= 1e-4, $"max box difference {maxBox}");
    }

    [Fact]
    public void LegacyFormatTwinGivesTheSameOutputs()
    {
        using var zip = Detector.Load(Oracle("mb2-ssd-lite-seed1234-c21.pth"), Names(20));
        using var legacy = Detector.Load(Oracle("mb2-ssd-lite-seed1234-c21-legacy.pth"), Names(20));
        var input = ReadF32("input.f32");
        var a = zip.Predict(input, 1);
        var b = legacy.Predict(input, 1);
        Assert.Equal(a.Scores, b.Scores);
        Assert.Equal(a.Boxes, b.Boxes);
    }

    [Fact]
    public void TrainedCheckpointGivesTheReferenceDetections()
    {
        var labels = File.ReadAllLines(Oracle("labels-c7.txt")).Select(l => l.Trim()).Where(l => l.Length > 0 && l != "BACKGROUND").ToList();
        using var detector = Detector.Load(Oracle("trained-c7.pth"), labels);
        detector.PostProcessor = new PostProcessor(scoreThreshold: 0.1f, iouThreshold: 0.45f, candidateSize: 200, topK: 10,
            labels: Detector.Labels(detector.Config));
        var image = ImageIO.Read(Oracle("image.jpg"));
        var found = detector.Detect(image);

        using var doc = JsonDocument.Parse(File.ReadAllText(Oracle("detections-trained.json")));
        var entry = doc.RootElement.GetProperty("images")[0];
        Assert.Equal(entry.GetProperty("width").GetInt32(), image.Width);
        Assert.Equal(entry.GetProperty("height").GetInt32(), image.Height);
        var expected = entry.GetProperty("detections").EnumerateArray()
            .Select(d => (Label: d.GetProperty("label").GetString()!, Score: d.GetProperty("score").GetSingle(),
                Box: d.GetProperty("box").EnumerateArray().Select(v => v.GetSingle()).ToArray()))
            .OrderByDescending(d => d.Score).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Count, found.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var e = expected[i];
            var f = found[i];
            Assert.Equal(e.Label, f.Label);
            Assert.True(Math.Abs(e.Score - f.Score) <= 1e-5, $"detection {i}: score {f.Score} vs {e.Score}");
            // The reference does not clamp; the project clamps to the image after NMS.
            var clamped = new[]
            {
                Math.Clamp(e.Box[0], 0, image.Width), Math.Clamp(e.Box[1], 0, image.Height),
                Math.Clamp(e.Box[2], 0, image.Width), Math.Clamp(e.Box[3], 0, image.Height),
            };
            var actual = new[] { f.Box.XMin, f.Box.YMin, f.Box.XMax, f.Box.YMax };
            for (var k = 0; k < 4; k++)
                Assert.True(Math.Abs(clamped[k] - actual[k]) <= 0.05, $"detection {i} coordinate {k}: {actual[k]} vs {clamped[k]}");
        }
    }

    private static double MaxAbsDiff(float[] a, float[] b)
    {
        double max = 0;
        for (var i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
