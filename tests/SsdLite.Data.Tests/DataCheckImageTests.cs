using SsdLite.Data;
using SsdLite.Tests.Shared;
using SsdLite.Vision;

namespace SsdLite.Data.Tests;

/// <summary>The data check with the default probe, on real JPEG files written by ImageIO.</summary>
[Collection(ResidentMemory.Collection)]
public sealed class DataCheckImageTests : IDisposable
{
    private readonly VocTestTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private void WriteJpeg(string id, int width, int height) => ImageIO.Write(_tree.ImagePath(id), new Image(width, height));

    [Fact]
    public void RealImagesPassAndBadOnesAreNamed()
    {
        _tree.WriteAnnotation("ok", VocTestTree.Xml("ok.jpg", 64, 48, VocTestTree.Object("cat", "1", "1", "30", "30")));
        WriteJpeg("ok", 64, 48);
        _tree.WriteAnnotation("rotated", VocTestTree.Xml("rotated.jpg", 64, 48));
        WriteJpeg("rotated", 48, 64);
        _tree.WriteAnnotation("cut", VocTestTree.Xml("cut.jpg", 64, 48));
        WriteJpeg("cut", 64, 48);
        byte[] whole = File.ReadAllBytes(_tree.ImagePath("cut"));
        File.WriteAllBytes(_tree.ImagePath("cut"), whole[..(whole.Length / 3)]);
        _tree.WriteAnnotation("text", VocTestTree.Xml("text.jpg", 64, 48));
        File.WriteAllText(_tree.ImagePath("text"), "not an image at all");

        DataCheckResult result = DataCheck.Run([_tree.Root], "trainval", Labels.Voc);

        Assert.Equal(["ok"], result.Samples.Select(s => s.Id));
        Assert.Equal(3, result.Issues.Count);
        DataIssue cut = result.Issues[0];
        Assert.Equal((_tree.ImagePath("cut"), DataIssueKind.UnreadableImage), (cut.File, cut.Kind));
        Assert.StartsWith($"unreadable image: cannot read image '{_tree.ImagePath("cut")}': ", cut.Message);
        Assert.Equal(new DataIssue(_tree.AnnotationPath("rotated"), DataIssueKind.SizeMismatch,
            $"<size> says 64x48 but the image {_tree.ImagePath("rotated")} decodes as 48x64"), result.Issues[1]);
        Assert.Equal((_tree.ImagePath("text"), DataIssueKind.UnreadableImage), (result.Issues[2].File, result.Issues[2].Kind));
    }

    [Fact]
    public void ADecompressionBombInATrainingSetIsNamedAndSkippedWithinBoundedMemory()
    {
        _tree.WriteAnnotation("ok", VocTestTree.Xml("ok.jpg", 64, 48, VocTestTree.Object("cat", "1", "1", "30", "30")));
        WriteJpeg("ok", 64, 48);
        _tree.WriteAnnotation("bomb", VocTestTree.Xml("bomb.png", 60000, 60000, VocTestTree.Object("cat", "1", "1", "30", "30")));
        var bomb = _tree.ImagePath("bomb", ".png");
        File.WriteAllBytes(bomb, SsdLite.Serving.Tests.PngHeader.Declaring(60000, 60000)); // 14.4 GB of pixels declared
        Assert.Equal(ImageIO.DefaultMaxPixels, ImageIO.MaxPixels);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        DataCheckResult result = ResidentMemory.Bounded(() => DataCheck.Run([_tree.Root], "trainval", Labels.Voc));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");

        Assert.Equal(["ok"], result.Samples.Select(s => s.Id));
        DataIssue issue = Assert.Single(result.Issues);
        Assert.Equal((bomb, DataIssueKind.UnreadableImage), (issue.File, issue.Kind));
        Assert.Contains("declares 60000x60000 = 3600000000 pixels, more than the limit of 40000000", issue.Message);
    }

    [Theory]
    [InlineData(null, ImageIO.DefaultMaxPixels)]
    [InlineData("1000000", 1_000_000L)]
    [InlineData("-5", ImageIO.DefaultMaxPixels)]
    [InlineData("lots", ImageIO.DefaultMaxPixels)]
    public void TheLimitComesFromTheEnvironmentWhenSet(string? value, long expected) =>
        Assert.Equal(expected, ImageIO.MaxPixelsFromEnvironment(value));
}
