using SsdLite.Tools.Training;
using SsdLite.Vision;

namespace SsdLite.Tools.Tests;

/// <summary>
/// --max-pixels reaches the image reads of a command and is put back after it; train's is the config key
/// max_pixels. In the training collection: the limit is process-wide while a command runs, and that collection runs
/// alone.
/// </summary>
[Collection("training")]
public sealed class MaxPixelsCommandTests
{
    [Fact]
    public void ConvertNamesAndSkipsImagesPastMaxPixelsAndRestoresTheLimit()
    {
        using var folder = new TempFolder("max-pixels");
        // synth's images are 100x100 give or take 20%: 6400 to 14400 pixels each, all above a 5000 limit.
        var (synth, _, synthError) = CommandTests.Invoke("synth", "--out", folder["voc"], "--images", "6", "--seed", "3", "--size", "100");
        Assert.True(synth == 0, synthError);
        var (toYolo, _, toYoloError) = CommandTests.Invoke("convert", "--from", "voc", "--to", "yolo", "--data", folder["voc"], "--out", folder["yolo"]);
        Assert.True(toYolo == 0, toYoloError);
        var yaml = Path.Combine(folder["yolo"], "data.yaml");

        var (limited, limitedOut, limitedError) = CommandTests.Invoke("convert", "--to", "coco", "--data", yaml, "--out", folder["small"], "--max-pixels", "5000");
        Assert.True(limited == 0, limitedError);
        Assert.Equal(ImageIO.DefaultMaxPixels, ImageIO.MaxPixels);
        var refused = limitedOut.Split('\n').Count(l => l.Contains("more than the limit of 5000", StringComparison.Ordinal));
        var (all, allOut, allError) = CommandTests.Invoke("convert", "--to", "coco", "--data", yaml, "--out", folder["all"]);
        Assert.True(all == 0, allError);
        // Each split's images, one file per listing (an image in two splits is read, and refused, in each).
        var listed = Directory.GetFiles(Path.Combine(folder["yolo"], "images"), "*.jpg", SearchOption.AllDirectories).Length;
        Assert.True(listed == refused, limitedOut);
        Assert.DoesNotContain("more than the limit", allOut);
        var kept = allOut.Split('\n').Where(l => l.StartsWith("convert: ", StringComparison.Ordinal))
            .Sum(l => int.Parse(l.Split(": ")[2].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(listed, kept);
    }

    [Fact]
    public void MaxPixelsBelowOneIsRefusedByTheParser()
    {
        var (code, _, error) = CommandTests.Invoke("convert", "--to", "coco", "--data", "x", "--out", "y", "--max-pixels", "0");
        Assert.NotEqual(0, code);
        Assert.Contains("--max-pixels must be at least 1", error);
    }

    [Fact]
    public void TrainsMaxPixelsIsAConfigKeyRecordedWithTheRun()
    {
        var o = new TrainOptions { Data = ["data"] };
        Assert.Equal(ImageIO.DefaultMaxPixels, o.MaxPixels);
        o.Apply(["max_pixels=123456"]);
        var back = new TrainOptions();
        back.ApplyYaml(o.ToYaml(), "round trip");
        Assert.Equal(123456, back.MaxPixels);
        o.Apply(["max_pixels=0"]);
        var e = Assert.Throws<ConfigException>(o.Validate);
        Assert.Contains("max_pixels", e.Message);
    }
}
