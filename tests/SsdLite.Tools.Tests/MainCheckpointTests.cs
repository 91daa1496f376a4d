using System.Globalization;
using System.Text.Json;
using SsdLite.Detection;
using SsdLite.Platform.Vision;
using SsdLite.Tools.Training;

namespace SsdLite.Tools.Tests;

/// <summary>
/// A checkpoint written by SsdLite's last build on its own libtorch 1.13 binding (Data/from-main/README.md) loads
/// under TorchSharp, gives the detections that build gave, and resumes the run it came from.
/// </summary>
[Collection("training")]
public sealed class MainCheckpointTests
{
    private static string FromMain(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "from-main", name);

    [Fact]
    public void DetectionsEqualThoseOfTheBuildThatWroteTheCheckpoint()
    {
        using var detector = Detector.Load(FromMain("c7-finetuned.ckpt"));
        // The detect command's settings of that run: score 0.05, top 5 per class, IoU 0.45, 200 candidates.
        detector.PostProcessor = new PostProcessor(0.05f, 0.45f, 200, 5, labels: Detector.Labels(detector.Config));
        using var json = JsonDocument.Parse(File.ReadAllText(FromMain("detect.json")));
        var images = 0;
        var detections = 0;
        foreach (var entry in json.RootElement.EnumerateArray())
        {
            var file = FromMain(Path.Combine("tiny", "JPEGImages", Path.GetFileName(entry.GetProperty("image").GetString()!)));
            var image = ImageIO.Read(file);
            var found = detector.Detect(image);
            var expected = entry.GetProperty("detections").EnumerateArray().ToList();
            Assert.True(expected.Count == found.Count, $"{file}: {found.Count} detections, main's build gave {expected.Count}");
            for (var i = 0; i < found.Count; i++)
            {
                var want = expected[i];
                Assert.Equal(want.GetProperty("class_id").GetInt32(), found[i].ClassId);
                // The oracle's tolerances: scores within 1e-5, boxes within 1e-4 of the image side.
                Assert.Equal(want.GetProperty("score").GetSingle(), found[i].Score, 1e-5f);
                var box = want.GetProperty("box").EnumerateArray().Select(v => v.GetSingle()).ToArray();
                var side = Math.Max(image.Width, image.Height);
                float[] got = [found[i].Box.XMin, found[i].Box.YMin, found[i].Box.XMax, found[i].Box.YMax];
                for (var k = 0; k < 4; k++) Assert.True(Math.Abs(box[k] - got[k]) <= 1e-4 * side, $"{file} detection {i}: box {string.Join(", ", got)} against {string.Join(", ", box)}");
                detections++;
            }
            images++;
        }
        Assert.Equal(41, images);
        Assert.Equal(1230, detections);
    }

    [Fact]
    public void ResumingContinuesTheRunAsItsOwnBuildDid()
    {
        using var folder = new TempFolder("from-main");
        var checkpoint = folder["epoch-2.ckpt"];
        File.Copy(FromMain("epoch-2.ckpt"), checkpoint);
        var options = TrainingCheckpoint.ReadOptions(checkpoint);
        options.Data = [FromMain("tiny")];
        options.ValData = null;
        options.Out = folder["run"];
        options.LogEverySeconds = 3600;
        var result = new Trainer(options, new RecordingProgress()).Run(checkpoint);
        Assert.Equal(TrainOutcome.Completed, result.Outcome);
        Assert.Equal(24, result.Position.Step);

        var expected = Rows(FromMain("metrics.csv"));
        var actual = Rows(Path.Combine(folder["run"], "metrics.csv"));
        Assert.Equal([3, 4], actual.Keys.Order());
        foreach (var epoch in new[] { 3, 4 })
        {
            // The schedule is a closed form of the step: the same rate to 6 significant digits (as the CSV holds it).
            Assert.Equal(expected[epoch].Lr, actual[epoch].Lr, 1e-7);
            // The same images, augmentations and update rules; libtorch 1.13 and 2.10 differ in float rounding
            // only, which 12 steps at lr 0.04 may grow, but not past 1% of the epoch's mean loss.
            Assert.True(Math.Abs(expected[epoch].Loss - actual[epoch].Loss) <= 0.01 * expected[epoch].Loss,
                $"epoch {epoch}: loss {actual[epoch].Loss} against main's {expected[epoch].Loss}");
        }
    }

    private static Dictionary<int, (double Lr, double Loss)> Rows(string csv) =>
        File.ReadLines(csv).Skip(1).Select(l => l.Split(','))
            .ToDictionary(f => int.Parse(f[0], CultureInfo.InvariantCulture),
                f => (double.Parse(f[2], CultureInfo.InvariantCulture), double.Parse(f[3], CultureInfo.InvariantCulture)));
}
