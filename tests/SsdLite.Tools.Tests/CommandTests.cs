using System.Text.Json;
using SsdLite.Tools.Training;

namespace SsdLite.Tools.Tests;

/// <summary>detect and eval through the real command line, on a checkpoint from a short real run.</summary>
[Collection("training")]
public sealed class CommandTests
{
    /// <summary>Runs the console in this process with its output captured (shared by the command tests).</summary>
    internal static (int Code, string Out, string Error) Invoke(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var (savedOut, savedError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            return (Program.BuildRoot().Parse(args).Invoke(), output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(savedOut);
            Console.SetError(savedError);
        }
    }

    private static string ShortRun(TempFolder folder, string data)
    {
        var result = new Trainer(TestData.TinyRun(data, folder["run"], 1), new RecordingProgress()).Run();
        return result.LastCheckpoint;
    }

    [Fact]
    public void SynthWritesImagesAroundTheRequestedSize()
    {
        using var folder = new TempFolder("synth");
        var (code, output, error) = Invoke("synth", "--out", folder["data"], "--images", "12", "--seed", "3", "--size", "120");
        Assert.True(code == 0, error);
        Assert.Contains("wrote 12 images", output);
        foreach (var file in Directory.GetFiles(folder["data/JPEGImages"]))
        {
            var image = SsdLite.Vision.ImageIO.Read(file);
            // ±20% around 120 px
            Assert.InRange(image.Width, 96, 144);
            Assert.InRange(image.Height, 96, 144);
        }

        var (wideCode, _, wideError) = Invoke("synth", "--out", folder["wide"], "--images", "4", "--seed", "3", "--width", "200", "--height", "150");
        Assert.True(wideCode == 0, wideError);
        foreach (var file in Directory.GetFiles(folder["wide/JPEGImages"]))
        {
            var image = SsdLite.Vision.ImageIO.Read(file);
            Assert.InRange(image.Width, 160, 240);
            Assert.InRange(image.Height, 120, 180);
        }

        var (badCode, _, badError) = Invoke("synth", "--out", folder["bad"], "--size", "16");
        Assert.Equal(1, badCode);
        Assert.Contains("--size", badError);
    }

    [Fact]
    public void DetectJsonFollowsTheDocumentedSchemaWithBoxesInsideTheImage()
    {
        using var folder = new TempFolder("detect");
        var data = TestData.Tiny(folder, images: 30, side: 80);
        var weights = ShortRun(folder, data);
        var json = folder["out/detections.json"];
        var images = Path.Combine(data, "JPEGImages");
        var (code, _, error) = Invoke("detect", "--weights", weights, "--score-threshold", "0.01", "--top-k", "5",
            "--out", folder["drawn"], "--json", json, Path.Combine(images, "00000*.jpg"), Path.Combine(images, "000012.jpg"));
        Assert.True(code == 0, error);

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var entries = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(10, entries.Count); // 000001..000009 and 000012
        var classes = File.ReadAllLines(Path.Combine(data, "labels.txt")).Where(l => l.Length > 0).ToList();
        var total = 0;
        foreach (var e in entries)
        {
            Assert.Equal(["detections", "height", "image", "width"], e.EnumerateObject().Select(p => p.Name).Order());
            var width = e.GetProperty("width").GetInt32();
            var height = e.GetProperty("height").GetInt32();
            Assert.Equal((80, 80), (width, height));
            Assert.True(File.Exists(e.GetProperty("image").GetString()));
            Assert.True(File.Exists(Path.Combine(folder["drawn"], Path.GetFileName(e.GetProperty("image").GetString()!))));
            var previous = double.PositiveInfinity;
            var perClass = new Dictionary<int, int>();
            foreach (var d in e.GetProperty("detections").EnumerateArray())
            {
                total++;
                Assert.Equal(["box", "class_id", "label", "score"], d.EnumerateObject().Select(p => p.Name).Order());
                var classId = d.GetProperty("class_id").GetInt32();
                Assert.InRange(classId, 1, classes.Count);
                Assert.Equal(classes[classId - 1], d.GetProperty("label").GetString());
                var score = d.GetProperty("score").GetDouble();
                Assert.InRange(score, 0.01, 1.0);
                Assert.True(score <= previous, "detections not sorted by score");
                previous = score;
                perClass[classId] = perClass.GetValueOrDefault(classId) + 1;
                var box = d.GetProperty("box").EnumerateArray().Select(v => v.GetDouble()).ToArray();
                Assert.Equal(4, box.Length);
                Assert.InRange(box[0], 0, width);
                Assert.InRange(box[2], box[0], width);
                Assert.InRange(box[1], 0, height);
                Assert.InRange(box[3], box[1], height);
            }
            Assert.All(perClass.Values, n => Assert.InRange(n, 1, 5));
        }
        Assert.True(total > 0, "no detections at all at threshold 0.01");
    }

    [Fact]
    public void EvalJsonHasExactlyTheDocumentedKeysAndMissingDataFailsClearly()
    {
        using var folder = new TempFolder("eval");
        var data = TestData.Tiny(folder, images: 30, side: 80);
        var weights = ShortRun(folder, data);
        var json = folder["eval.json"];
        var (code, stdout, error) = Invoke("eval", "--weights", weights, "--data", data, "--split", "test", "--metric", "voc12", "--json", json,
            "--plots", folder["plots"]);
        Assert.True(code == 0, error);
        Assert.Contains("mAP", stdout);
        Assert.True(File.Exists(Path.Combine(folder["plots"], "pr_curves.png")));

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal(["images", "iou_threshold", "mAP", "metric", "per_class"], root.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("voc12", root.GetProperty("metric").GetString());
        Assert.Equal(0.5, root.GetProperty("iou_threshold").GetDouble());
        var testImages = File.ReadAllLines(Path.Combine(data, "ImageSets", "Main", "test.txt")).Count(l => l.Trim().Length > 0);
        Assert.Equal(testImages, root.GetProperty("images").GetInt32());
        var perClass = root.GetProperty("per_class").EnumerateObject().ToList();
        Assert.NotEmpty(perClass);
        Assert.All(perClass, p => Assert.InRange(p.Value.GetDouble(), 0, 1));
        Assert.Equal(perClass.Average(p => p.Value.GetDouble()), root.GetProperty("mAP").GetDouble(), 9);

        var (missing, _, message) = Invoke("eval", "--weights", weights, "--data", folder["nowhere"]);
        Assert.Equal(1, missing);
        Assert.Contains(folder["nowhere"], message);
    }
}
