using SsdLite.Data;
using SsdLite.Runtime;

namespace SsdLite.Data.Tests;

public sealed class VocReaderTests : IDisposable
{
    private readonly VocTestTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private List<DataIssue> ReadIssues(string id, string xml, Labels? labels = null)
    {
        _tree.WriteAnnotation(id, xml);
        _tree.WriteImage(id);
        var issues = new List<DataIssue>();
        VocEntry entry = VocReader.ListEntries(_tree.Root, "trainval").Single(e => e.Id == id);
        Assert.Null(VocReader.TryRead(entry, labels ?? Labels.Voc, issues));
        Assert.All(issues, i => Assert.Equal(_tree.AnnotationPath(id), i.File));
        return issues;
    }

    private static (DataIssueKind, string) Only(List<DataIssue> issues) => (Assert.Single(issues).Kind, issues[0].Message);

    [Fact]
    public void ReadsEveryFieldAndConvertsBoxesToZeroBased()
    {
        _tree.WriteSample("000001", 353, 500,
            VocTestTree.Object("dog", "48", "240", "195", "371"),
            VocTestTree.Object("person", "8", "12", "352", "498", difficult: 1, truncated: 1));
        VocEntry entry = Assert.Single(VocReader.ListEntries(_tree.Root, "trainval"));

        AnnotatedImage sample = VocReader.Read(entry, Labels.Voc);

        Assert.Equal("000001", sample.Id);
        Assert.Equal(_tree.ImagePath("000001"), sample.ImagePath);
        Assert.Equal(_tree.AnnotationPath("000001"), sample.AnnotationPath);
        Assert.Equal(353, sample.Width);
        Assert.Equal(500, sample.Height);
        Assert.Equal(2, sample.Objects.Count);
        Assert.Equal(new AnnotatedObject(12, "dog", new BoxF(47, 239, 194, 370), false, false), sample.Objects[0]);
        Assert.Equal(new AnnotatedObject(15, "person", new BoxF(7, 11, 351, 497), true, true), sample.Objects[1]);
    }

    [Fact]
    public void AcceptsFloatCoordinatesInInvariantCulture()
    {
        _tree.WriteSample("a", 500, 400, VocTestTree.Object("cat", "273.5", " 10.25 ", "300", "1e2"));
        AnnotatedImage sample = VocReader.Read(VocReader.ListEntries(_tree.Root, "x").Single(), Labels.Voc);
        Assert.Equal(new BoxF(272.5f, 9.25f, 299f, 99f), sample.Objects[0].Box);
    }

    [Fact]
    public void MissingFlagsMeanFalseAndAnImageWithoutObjectsIsValid()
    {
        _tree.WriteAnnotation("flagless", """
            <annotation><size><width>10</width><height>20</height></size>
              <object><name>cat</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>10</xmax><ymax>20</ymax></bndbox></object>
            </annotation>
            """);
        _tree.WriteImage("flagless");
        _tree.WriteSample("empty", 64, 48);
        var entries = VocReader.ListEntries(_tree.Root, "x");

        AnnotatedImage empty = VocReader.Read(entries.Single(e => e.Id == "empty"), Labels.Voc);
        AnnotatedImage flagless = VocReader.Read(entries.Single(e => e.Id == "flagless"), Labels.Voc);

        Assert.Empty(empty.Objects);
        Assert.Equal(new AnnotatedObject(8, "cat", new BoxF(0, 0, 9, 19), false, false), flagless.Objects[0]);
    }

    [Fact]
    public void TrainingObjectsLeaveOutDifficultUnlessKept()
    {
        _tree.WriteSample("d", 100, 100,
            VocTestTree.Object("cat", "1", "1", "50", "50", difficult: 1),
            VocTestTree.Object("dog", "2", "2", "60", "60"));
        AnnotatedImage sample = VocReader.Read(VocReader.ListEntries(_tree.Root, "x").Single(), Labels.Voc);

        Assert.Equal(["dog"], sample.TrainingObjects().Select(o => o.Name));
        Assert.Equal(["cat", "dog"], sample.TrainingObjects(keepDifficult: true).Select(o => o.Name));
        Assert.Equal(2, sample.Objects.Count);
    }

    [Fact]
    public void MalformedXmlNamesLineAndPosition()
    {
        var issues = ReadIssues("bad", "<annotation>\n  <size><width>5</width>\n</annotation>\n");
        var (kind, message) = Only(issues);
        Assert.Equal(DataIssueKind.MalformedXml, kind);
        Assert.StartsWith("malformed XML at line 3, position 3: ", message);
    }

    [Fact]
    public void TruncatedXmlIsMalformed()
    {
        var issues = ReadIssues("cut", "<annotation><size><width>5</wid");
        Assert.Equal(DataIssueKind.MalformedXml, Assert.Single(issues).Kind);
    }

    [Fact]
    public void OtherRootElementIsNotVoc()
    {
        var issues = ReadIssues("coco", "<images><image id=\"1\"/></images>");
        Assert.Equal((DataIssueKind.NotVocXml, "not a VOC annotation: the root element is <images>, not <annotation>"), Only(issues));
    }

    [Fact]
    public void MissingSizeIsReported()
    {
        var issues = ReadIssues("nosize", "<annotation><filename>x.jpg</filename></annotation>");
        Assert.Equal((DataIssueKind.MissingField, "no <size> element"), Only(issues));
    }

    [Fact]
    public void MissingAndNonNumericSizeFieldsAreReported()
    {
        var issues = ReadIssues("size", "<annotation><size><width>abc</width></size></annotation>");
        Assert.Equal(2, issues.Count);
        Assert.Equal(new DataIssue(_tree.AnnotationPath("size"), DataIssueKind.InvalidNumber, "<width> is 'abc', not a number"), issues[0]);
        Assert.Equal(new DataIssue(_tree.AnnotationPath("size"), DataIssueKind.MissingField, "<size> has no <height>"), issues[1]);
    }

    [Fact]
    public void ZeroSizeIsInvalid()
    {
        var issues = ReadIssues("zero", VocTestTree.Xml("zero.jpg", 0, 375));
        Assert.Equal((DataIssueKind.InvalidSize, "<size> is 0x375; width and height must be positive whole numbers"), Only(issues));
    }

    [Fact]
    public void MissingBndboxFieldIsReported()
    {
        string xml = VocTestTree.Xml("f.jpg", 100, 100, """
            <object><name>dog</name><bndbox><xmin>1</xmin><ymin>1</ymin><ymax>9</ymax></bndbox></object>
            """);
        Assert.Equal((DataIssueKind.MissingField, "object 1 ('dog'): <bndbox> has no <xmax>"), Only(ReadIssues("f", xml)));
    }

    [Fact]
    public void MissingBndboxIsReported()
    {
        string xml = VocTestTree.Xml("f.jpg", 100, 100, "<object><name>dog</name></object>");
        Assert.Equal((DataIssueKind.MissingField, "object 1 ('dog'): no <bndbox>"), Only(ReadIssues("f", xml)));
    }

    [Fact]
    public void MissingNameIsReported()
    {
        string xml = VocTestTree.Xml("f.jpg", 100, 100,
            VocTestTree.Object("cat", "1", "1", "5", "5"),
            "<object><name>  </name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object>");
        Assert.Equal((DataIssueKind.MissingField, "object 2: no <name>"), Only(ReadIssues("f", xml)));
    }

    [Fact]
    public void NonNumericCoordinateIsReported()
    {
        string xml = VocTestTree.Xml("f.jpg", 100, 100, VocTestTree.Object("dog", "1", "1,5", "9", "9"));
        Assert.Equal((DataIssueKind.InvalidNumber, "object 1 ('dog'): <ymin> is '1,5', not a number"), Only(ReadIssues("f", xml)));
    }

    [Fact]
    public void NonNumericDifficultIsReported()
    {
        string xml = VocTestTree.Xml("f.jpg", 100, 100, """
            <object><name>dog</name><difficult>yes</difficult><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object>
            """);
        Assert.Equal((DataIssueKind.InvalidNumber, "object 1 ('dog'): <difficult> is 'yes', not a number"), Only(ReadIssues("f", xml)));
    }

    [Fact]
    public void UnknownClassNamesTheLabelsSource()
    {
        string xml = VocTestTree.Xml("f.jpg", 100, 100, VocTestTree.Object("dog", "1", "1", "9", "9"), VocTestTree.Object("zebra", "1", "1", "9", "9"));
        var issues = ReadIssues("f", xml, Labels.Parse("dog", "/cfg/labels.txt"));
        Assert.Equal((DataIssueKind.UnknownClass, "object 2 ('zebra'): unknown class 'zebra' (not in /cfg/labels.txt)"), Only(issues));
    }

    [Fact]
    public void BoxOutsideTheImageIsReported()
    {
        string xml = VocTestTree.Xml("f.jpg", 500, 375, VocTestTree.Object("dog", "10", "20", "501", "300"));
        Assert.Equal((DataIssueKind.BoxOutsideImage, "object 1 ('dog'): box (10, 20, 501, 300) lies outside the 500x375 image"), Only(ReadIssues("f", xml)));
    }

    [Fact]
    public void BoxTouchingTheImageEdgesIsInside()
    {
        _tree.WriteSample("edge", 500, 375, VocTestTree.Object("dog", "0", "1", "500", "375"));
        AnnotatedImage sample = VocReader.Read(VocReader.ListEntries(_tree.Root, "x").Single(), Labels.Voc);
        Assert.Equal(new BoxF(-1, 0, 499, 374), sample.Objects[0].Box);
    }

    [Fact]
    public void InvertedBoxIsReported()
    {
        string xml = VocTestTree.Xml("f.jpg", 100, 100, VocTestTree.Object("dog", "50", "10", "40", "20"));
        Assert.Equal((DataIssueKind.InvertedBox, "object 1 ('dog'): inverted box, xmin 50 > xmax 40"), Only(ReadIssues("f", xml)));
    }

    [Fact]
    public void ZeroAreaBoxIsReported()
    {
        string xml = VocTestTree.Xml("f.jpg", 100, 100, VocTestTree.Object("dog", "10", "30", "20", "30"));
        Assert.Equal((DataIssueKind.ZeroAreaBox, "object 1 ('dog'): zero-area box, ymin = ymax = 30"), Only(ReadIssues("f", xml)));
    }

    [Fact]
    public void EveryProblemOfAFileIsReportedAtOnce()
    {
        string xml = VocTestTree.Xml("f.jpg", 100, 100,
            VocTestTree.Object("zebra", "1", "1", "9", "9"),
            VocTestTree.Object("dog", "9", "1", "1", "9"));
        var issues = ReadIssues("f", xml);
        Assert.Equal([DataIssueKind.UnknownClass, DataIssueKind.InvertedBox], issues.Select(i => i.Kind));
    }

    [Fact]
    public void ReadThrowsListingTheProblems()
    {
        _tree.WriteAnnotation("x", "<foo/>");
        _tree.WriteImage("x");
        var e = Assert.Throws<DataCheckException>(() => VocReader.Read(VocReader.ListEntries(_tree.Root, "x").Single(), Labels.Voc));
        string file = _tree.AnnotationPath("x");
        Assert.Equal($"{file}: cannot be used{Environment.NewLine}{file}: not a VOC annotation: the root element is <foo>, not <annotation>", e.Message);
    }

    [Fact]
    public void SplitFileChoosesAndOrdersTheImages()
    {
        _tree.WriteSample("b", 10, 10);
        _tree.WriteSample("a", 10, 10);
        _tree.WriteSample("c", 10, 10);
        _tree.WriteSplit("train", "c\n\n  a  \n");
        _tree.WriteSplit("val", "b 1\n");

        Assert.Equal(["c", "a"], VocReader.ListEntries(_tree.Root, "train").Select(e => e.Id));
        Assert.Equal(["b"], VocReader.ListEntries(_tree.Root, "val").Select(e => e.Id));
        Assert.Equal(_tree.SplitPath("train"), VocReader.ListEntries(_tree.Root, "train")[0].ListedIn);
    }

    [Fact]
    public void UnknownSplitNamesTheFileAndTheSplitsThere()
    {
        _tree.WriteSplit("train", "a\n");
        _tree.WriteSplit("val", "b\n");
        var e = Assert.Throws<FileNotFoundException>(() => VocReader.ListEntries(_tree.Root, "test"));
        Assert.Equal($"split 'test' not found: {_tree.SplitPath("test")} (available: train, val)", e.Message);
    }

    [Fact]
    public void RootWithoutImageSetsMeansEveryAnnotation()
    {
        _tree.WriteSample("img_2", 10, 10);
        _tree.WriteSample("img_1", 10, 10);
        File.WriteAllText(Path.Combine(_tree.Root, "Annotations", "img_3.XML"), VocTestTree.Xml("img_3.jpg", 10, 10));
        File.WriteAllText(Path.Combine(_tree.Root, "Annotations", "notes.txt"), "not an annotation");

        var entries = VocReader.ListEntries(_tree.Root, "trainval");

        Assert.Equal(["img_1", "img_2", "img_3"], entries.Select(e => e.Id));
        Assert.All(entries, e => Assert.Null(e.ListedIn));
    }

    [Fact]
    public void RootsAreConcatenatedInOrder()
    {
        using var voc2012 = new VocTestTree("VOC2012");
        _tree.WriteSample("2007_a", 10, 10);
        _tree.WriteSplit("trainval", "2007_a\n");
        voc2012.WriteSample("2012_a", 10, 10);
        voc2012.WriteSample("2012_b", 10, 10);
        voc2012.WriteSplit("trainval", "2012_b\n2012_a\n");

        var entries = VocReader.ListEntries([_tree.Root, voc2012.Root], "trainval");

        Assert.Equal(["2007_a", "2012_b", "2012_a"], entries.Select(e => e.Id));
        Assert.Equal([_tree.Root, voc2012.Root, voc2012.Root], entries.Select(e => e.Root));
    }

    [Fact]
    public void ImageExtensionOtherThanJpgIsFound()
    {
        _tree.WriteAnnotation("p", VocTestTree.Xml("p.png", 10, 10));
        _tree.WriteImage("p", ".png");
        AnnotatedImage sample = VocReader.Read(VocReader.ListEntries(_tree.Root, "x").Single(), Labels.Voc);
        Assert.Equal(_tree.ImagePath("p", ".png"), sample.ImagePath);
    }

    [Fact]
    public void FileNameFromTheAnnotationIsUsedWhenTheIdHasNoImage()
    {
        _tree.WriteAnnotation("renamed", VocTestTree.Xml("photo 7.jpg", 10, 10));
        File.WriteAllBytes(Path.Combine(_tree.Root, "JPEGImages", "photo 7.jpg"), [1]);
        AnnotatedImage sample = VocReader.Read(VocReader.ListEntries(_tree.Root, "x").Single(), Labels.Voc);
        Assert.Equal(Path.Combine(_tree.Root, "JPEGImages", "photo 7.jpg"), sample.ImagePath);
    }

    [Fact]
    public void MissingRootIsNamed()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => VocReader.ListEntries("/no/such/VOC2007", "trainval"));
        Assert.Equal("dataset root not found: /no/such/VOC2007", e.Message);
    }
}
