using System.Text.Json;
using SsdLite.Tools.Training;

namespace SsdLite.Tools.Tests;

/// <summary>
/// One synthetic set written as VOC, COCO and YOLO (<c>synth --format</c>, <c>convert</c>) trains to the same
/// first-epoch losses with the same seed, and one checkpoint scores the same on all three.
/// </summary>
[Collection("training")]
public sealed class DatasetFormatTests
{
    [Fact]
    public void SynthFormatsTrainToTheSameFirstEpochLosses()
    {
        using var folder = new TempFolder("formats");
        foreach (var format in new[] { "voc", "coco" })
        {
            var (code, _, error) = CommandTests.Invoke("synth", "--out", folder[format], "--images", "30", "--seed", "4", "--size", "96", "--format", format);
            Assert.True(code == 0, error);
        }
        var voc = FirstEpoch(folder, folder["voc"], "voc-run");
        var coco = FirstEpoch(folder, Path.Combine(folder["coco"], "train.json"), "coco-run");
        Assert.Equal(voc.Loss, coco.Loss);
        Assert.Equal(voc.Regression, coco.Regression);
        Assert.Equal(voc.Classification, coco.Classification);
        Assert.True(voc.Loss > 0 && double.IsFinite(voc.Loss));
    }

    [Fact]
    public void YoloTrainsAndScoresAsVocAndCoco()
    {
        using var folder = new TempFolder("formats-yolo");
        var (code, _, error) = CommandTests.Invoke("synth", "--out", folder["voc"], "--images", "30", "--seed", "4", "--size", "96");
        Assert.True(code == 0, error);
        // YOLO has no difficult flag: the VOC set is made flag-free first so that all three hold the same objects.
        foreach (var xml in Directory.GetFiles(Path.Combine(folder["voc"], "Annotations")))
            File.WriteAllText(xml, File.ReadAllText(xml).Replace("<difficult>1</difficult>", "<difficult>0</difficult>", StringComparison.Ordinal));
        foreach (var format in new[] { "coco", "yolo" })
        {
            (code, _, error) = CommandTests.Invoke("convert", "--to", format, "--data", folder["voc"], "--out", folder[format], "--split", "train", "test");
            Assert.True(code == 0, error);
        }
        var voc = FirstEpoch(folder, folder["voc"], "voc-run");
        var yolo = FirstEpoch(folder, Path.Combine(folder["yolo"], "data.yaml"), "yolo-run");
        Assert.Equal(voc.Loss, yolo.Loss);
        Assert.Equal(voc.Classification, yolo.Classification);

        var weights = Path.Combine(folder["voc-run"], "checkpoints", "last.ckpt");
        var sources = new[] { folder["voc"], Path.Combine(folder["coco"], "test.json"), folder["yolo"] };
        foreach (var metric in new[] { "voc07", "coco" })
        {
            var reports = sources.Select((data, i) => Eval(weights, data, metric, folder[$"{metric}-{i}.json"])).ToList();
            Assert.Equal(reports[0], reports[1]);
            Assert.Equal(reports[0], reports[2]);
            Assert.Contains("\"images\": 6", reports[0], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DetectWritesCocoResultsOfTheSameDetections()
    {
        using var folder = new TempFolder("coco-results");
        string tiny = Path.Combine(AppContext.BaseDirectory, "Data", "from-main", "tiny", "JPEGImages");
        string weights = Path.Combine(AppContext.BaseDirectory, "Data", "from-main", "c7-finetuned.ckpt");
        var images = new[] { "000001.jpg", "000002.jpg", "000003.jpg" }.Select(n => Path.Combine(tiny, n)).ToArray();
        string[] common = ["detect", "--weights", weights, "--score-threshold", "0.05", "--top-k", "5"];
        var (code, _, error) = CommandTests.Invoke([.. common, "--json", folder["plain.json"], .. images]);
        Assert.True(code == 0, error);
        (code, _, error) = CommandTests.Invoke([.. common, "--json", folder["coco.json"], "--format", "coco-results", .. images]);
        Assert.True(code == 0, error);

        using var plain = JsonDocument.Parse(File.ReadAllText(folder["plain.json"]));
        var expected = plain.RootElement.EnumerateArray().SelectMany(image =>
        {
            // The file names are numbers, so they are the image ids (as COCO's own 000000397133.jpg is 397133).
            long id = long.Parse(Path.GetFileNameWithoutExtension(image.GetProperty("image").GetString()!), System.Globalization.CultureInfo.InvariantCulture);
            return image.GetProperty("detections").EnumerateArray().Select(d =>
            {
                var box = d.GetProperty("box").EnumerateArray().Select(v => v.GetDouble()).ToArray();
                return (id, d.GetProperty("class_id").GetInt32(), box[0], box[1], box[2] - box[0], box[3] - box[1], d.GetProperty("score").GetDouble());
            });
        }).ToList();
        using var coco = JsonDocument.Parse(File.ReadAllText(folder["coco.json"]));
        var actual = coco.RootElement.EnumerateArray().Select(d =>
        {
            var b = d.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            return (d.GetProperty("image_id").GetInt64(), d.GetProperty("category_id").GetInt32(), b[0], b[1], b[2], b[3], d.GetProperty("score").GetDouble());
        }).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (e, a) in expected.Zip(actual))
        {
            Assert.Equal((e.Item1, e.Item2), (a.Item1, a.Item2));
            Assert.Equal(e.Item3, a.Item3, 1e-3);
            Assert.Equal(e.Item4, a.Item4, 1e-3);
            Assert.Equal(e.Item5, a.Item5, 1e-3);
            Assert.Equal(e.Item6, a.Item6, 1e-3);
            Assert.Equal(e.Item7, a.Item7, 1e-6);
        }
    }

    private static EpochMetrics FirstEpoch(TempFolder folder, string data, string run)
    {
        var options = TestData.TinyRun(data, folder[run], 1);
        options.Labels = Path.Combine(folder.Path, "labels-for-" + run + ".txt");
        File.WriteAllLines(options.Labels, SsdLite.Data.Synthetic.SyntheticVoc.ClassNames);
        var trainer = new Trainer(options, new RecordingProgress());
        EpochMetrics? first = null;
        trainer.EpochCompleted += m => first ??= m;
        trainer.Run();
        return first ?? throw new InvalidOperationException("no epoch completed");
    }

    private static string Eval(string weights, string data, string metric, string json)
    {
        var (code, _, error) = CommandTests.Invoke("eval", "--weights", weights, "--data", data, "--split", "test", "--metric", metric, "--json", json);
        Assert.True(code == 0, error);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        return JsonSerializer.Serialize(document.RootElement, new JsonSerializerOptions { WriteIndented = true });
    }
}
