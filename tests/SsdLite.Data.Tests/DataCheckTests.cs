using SsdLite.Data;

namespace SsdLite.Data.Tests;

public sealed class DataCheckTests : IDisposable
{
    private readonly VocTestTree _tree = new();

    public DataCheckTests()
    {
        _tree.WriteSample("good1", 100, 80, VocTestTree.Object("dog", "1", "1", "50", "50"));
        _tree.WriteSample("good2", 60, 40);
        _tree.WriteSample("unknown", 100, 80, VocTestTree.Object("zebra", "1", "1", "50", "50"));
        _tree.WriteAnnotation("noimage", VocTestTree.Xml("noimage.jpg", 10, 10));
        _tree.WriteImage("noxml");
        _tree.WriteSplit("train", "good1\nunknown\nnoimage\nnoxml\ngood2\n");
    }

    public void Dispose() => _tree.Dispose();

    private static DataCheckOptions NoProbe(DataCheckPolicy policy = DataCheckPolicy.Report, TextWriter? log = null) =>
        new() { Probe = null, Policy = policy, Log = log };

    [Fact]
    public void ReportPolicyKeepsGoodSamplesAndNamesEveryBadFile()
    {
        DataCheckResult result = DataCheck.Run([_tree.Root], "train", Labels.Voc, NoProbe());

        Assert.Equal(["good1", "good2"], result.Samples.Select(s => s.Id));
        Assert.Equal(5, result.CheckedCount);
        Assert.Equal(3, result.SkippedCount);
        Assert.Equal(
        [
            new DataIssue(_tree.AnnotationPath("unknown"), DataIssueKind.UnknownClass,
                "object 1 ('zebra'): unknown class 'zebra' (not in the 20 VOC classes)"),
            new DataIssue(_tree.ImagePath("noimage"), DataIssueKind.MissingImage,
                $"image file missing (image id 'noimage' listed in {_tree.SplitPath("train")})"),
            new DataIssue(_tree.AnnotationPath("noxml"), DataIssueKind.MissingAnnotation,
                $"annotation file missing (image id 'noxml' listed in {_tree.SplitPath("train")})"),
        ], result.Issues);
    }

    [Fact]
    public void SummaryCountsImagesAndIssuesByKind()
    {
        var log = new StringWriter();
        DataCheckResult result = DataCheck.Run([_tree.Root], "train", Labels.Voc, NoProbe(log: log));

        const string summary = "data check: 5 images, 2 kept, 3 skipped, 3 issues (1 MissingImage, 1 MissingAnnotation, 1 UnknownClass)";
        Assert.Equal(summary, result.Summary);
        string[] lines = log.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.Equal($"{_tree.AnnotationPath("unknown")}: object 1 ('zebra'): unknown class 'zebra' (not in the 20 VOC classes)", lines[0]);
        Assert.Equal(summary, lines[3]);
    }

    [Fact]
    public void StrictPolicyRefusesToStartListingEveryProblem()
    {
        var e = Assert.Throws<DataCheckException>(() => DataCheck.Run([_tree.Root], "train", Labels.Voc, NoProbe(DataCheckPolicy.Strict)));

        Assert.Equal(3, e.Issues.Count);
        string[] lines = e.Message.Split(Environment.NewLine);
        Assert.Equal(4, lines.Length);
        Assert.Equal("data check: 5 images, 2 kept, 3 skipped, 3 issues (1 MissingImage, 1 MissingAnnotation, 1 UnknownClass); strict data check, refusing to start", lines[0]);
        Assert.Equal($"{_tree.AnnotationPath("noxml")}: annotation file missing (image id 'noxml' listed in {_tree.SplitPath("train")})", lines[3]);
    }

    [Fact]
    public void StrictPolicyOnCleanDataReturnsEverySample()
    {
        _tree.WriteSplit("clean", "good1\ngood2\n");
        DataCheckResult result = DataCheck.Run([_tree.Root], "clean", Labels.Voc, NoProbe(DataCheckPolicy.Strict));
        Assert.Empty(result.Issues);
        Assert.Equal("data check: 2 images, 2 kept, 0 skipped, 0 issues", result.Summary);
    }

    [Fact]
    public void UnreadableImageIsReportedWithTheProbeReason()
    {
        _tree.WriteSplit("one", "good1\n");
        ImageProbe probe = path => throw new InvalidDataException($"{path}: premature end of JPEG data");
        DataCheckResult result = DataCheck.Run([_tree.Root], "one", Labels.Voc, new DataCheckOptions { Probe = probe });

        Assert.Empty(result.Samples);
        string image = _tree.ImagePath("good1");
        Assert.Equal(new DataIssue(image, DataIssueKind.UnreadableImage, $"unreadable image: {image}: premature end of JPEG data"), Assert.Single(result.Issues));
    }

    [Fact]
    public void SizeDisagreeingWithTheDecodedImageIsReported()
    {
        _tree.WriteSplit("two", "good1\ngood2\n");
        ImageProbe probe = path => path.EndsWith("good1.jpg", StringComparison.Ordinal) ? (80, 100) : (60, 40);
        DataCheckResult result = DataCheck.Run([_tree.Root], "two", Labels.Voc, new DataCheckOptions { Probe = probe });

        Assert.Equal(["good2"], result.Samples.Select(s => s.Id));
        Assert.Equal(new DataIssue(_tree.AnnotationPath("good1"), DataIssueKind.SizeMismatch,
            $"<size> says 100x80 but the image {_tree.ImagePath("good1")} decodes as 80x100"), Assert.Single(result.Issues));
    }

    [Fact]
    public void DatasetOpenKeepsCheckedSamplesAndTheIssues()
    {
        _tree.WriteSample("hard", 100, 100, VocTestTree.Object("cat", "1", "1", "9", "9", difficult: 1), VocTestTree.Object("dog", "1", "1", "9", "9"));
        _tree.WriteSplit("d", "hard\nunknown\n");

        DetectionDataset dataset = DetectionDataset.Open([_tree.Root], "d", check: NoProbe());
        DetectionDataset keeping = DetectionDataset.Open([_tree.Root], "d", keepDifficult: true, check: NoProbe());

        Assert.Equal(["hard"], dataset.Select(s => s.Id));
        Assert.Equal(DataIssueKind.UnknownClass, Assert.Single(dataset.Issues).Kind);
        Assert.Equal(["dog"], dataset.TrainingObjects(0).Select(o => o.Name));
        Assert.Equal(["cat", "dog"], keeping.TrainingObjects(0).Select(o => o.Name));
        Assert.True(dataset[0].Objects[0].Difficult);
    }

    [Fact]
    public void TwoRootsAreCheckedTogether()
    {
        using var other = new VocTestTree("VOC2012");
        other.WriteSample("x1", 20, 20, VocTestTree.Object("cat", "2", "2", "10", "10"));
        _tree.WriteSplit("trainval", "good1\n");

        DataCheckResult result = DataCheck.Run([_tree.Root, other.Root], "trainval", Labels.Voc, NoProbe());

        Assert.Equal(["good1", "x1"], result.Samples.Select(s => s.Id));
        Assert.Empty(result.Issues);
    }
}
