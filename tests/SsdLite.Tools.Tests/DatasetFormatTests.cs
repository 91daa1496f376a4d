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
