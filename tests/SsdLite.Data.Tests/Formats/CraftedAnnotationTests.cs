using System.Diagnostics;
using System.Text;
using SsdLite.Data.Coco;
using SsdLite.Data.Yolo;
using SsdLite.Tests.Shared;

namespace SsdLite.Data.Tests.Formats;

/// <summary>
/// Annotation files past their stated limit (AnnotationFiles), and the malformed inputs fuzzing found: each ends in
/// a named problem (the file, what is wrong) within a few seconds, raising this process's resident-memory peak by
/// under 256 MiB (so the class runs alone). The over-limit files are sparse: the limits, not the disk, are tested.
/// </summary>
[Collection(ResidentMemory.Collection)]
public sealed class CraftedAnnotationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssdlite-crafted-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static T Bounded<T>(Func<T> read)
    {
        var clock = Stopwatch.StartNew();
        var result = ResidentMemory.Bounded(read);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        return result;
    }

    // A file of `length` bytes that starts with `head` and is a hole after it.
    private static void Sparse(string path, string head, long length)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        stream.Write(Encoding.UTF8.GetBytes(head));
        stream.SetLength(length);
    }

    [Fact]
    public void AVocAnnotationPastSixteenMiBIsNamedAndSkipped()
    {
        using var tree = new VocTestTree();
        tree.WriteImage("big");
        Sparse(tree.AnnotationPath("big"), "<annotation>", AnnotationFiles.VocXmlMaxBytes + 1);
        var issues = new List<DataIssue>();
        var entry = VocReader.ListEntries(tree.Root, "trainval").Single();
        Assert.Null(Bounded(() => VocReader.TryRead(entry, Labels.Voc, issues)));
        var issue = Assert.Single(issues);
        Assert.Equal(DataIssueKind.FileTooLarge, issue.Kind);
        Assert.Equal(tree.AnnotationPath("big"), issue.File);
        Assert.Contains($"the VOC annotation is {AnnotationFiles.VocXmlMaxBytes + 1} bytes, more than the limit of 16 MiB", issue.Message);
    }

    [Fact]
    public void ACocoFilePastOneGiBIsNamed()
    {
        string json = Path.Combine(_dir, "big.json");
        Sparse(json, "{\"images\": [", AnnotationFiles.CocoJsonMaxBytes + 1);
        var read = Bounded(() => CocoReader.Read(json, null, Labels.FromNames(["cat"])));
        Assert.Empty(read.Samples);
        var issue = Assert.Single(read.Issues);
        Assert.Equal(DataIssueKind.FileTooLarge, issue.Kind);
        Assert.Contains($"{json}: the COCO file is {(1L << 30) + 1} bytes, more than the limit of 1024 MiB", issue.Message);
    }

    [Fact]
    public void AYoloLabelFilePastSixteenMiBIsNamedAndItsImageSkipped()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "images"));
        Directory.CreateDirectory(Path.Combine(_dir, "labels"));
        File.WriteAllText(Path.Combine(_dir, "data.yaml"), "train: images\nnames: [cat]\n");
        File.WriteAllBytes(Path.Combine(_dir, "images", "a.jpg"), [0xFF, 0xD8, 0xFF]);
        File.WriteAllBytes(Path.Combine(_dir, "images", "b.jpg"), [0xFF, 0xD8, 0xFF]);
        string labels = Path.Combine(_dir, "labels", "a.txt");
        Sparse(labels, "0 0.5 0.5 0.1 0.1\n", AnnotationFiles.YoloLabelMaxBytes + 1);
        File.WriteAllText(Path.Combine(_dir, "labels", "b.txt"), "0 0.5 0.5 0.1 0.1\n");
        var read = Bounded(() => YoloReader.Read(Path.Combine(_dir, "data.yaml"), "train", null, _ => (64, 48)));
        Assert.Equal(["b"], read.Samples.Select(s => s.Id));
        var issue = Assert.Single(read.Issues);
        Assert.Equal((DataIssueKind.FileTooLarge, labels), (issue.Kind, issue.File));
        Assert.Contains("the YOLO label file is 16777217 bytes, more than the limit of 16 MiB", issue.Message);
    }

    [Fact]
    public void AVocSplitFilePastTheListLimitIsRefusedByName()
    {
        using var tree = new VocTestTree();
        tree.WriteImage("a");
        tree.WriteSplit("trainval", "");
        string split = tree.SplitPath("trainval");
        // One line with no newline: File.ReadLines would have held all 256 MiB as one string.
        Sparse(split, "a", AnnotationFiles.ImageListMaxBytes + 1);
        var error = Assert.Throws<InvalidDataException>(() => Bounded(() => VocReader.ListEntries(tree.Root, "trainval")));
        Assert.Equal($"{split}: the VOC split file is {(256L << 20) + 1} bytes, more than the limit of 256 MiB", error.Message);
    }

    [Fact]
    public void AYoloImageListPastTheListLimitIsRefusedByName()
    {
        string list = Path.Combine(_dir, "train.txt");
        File.WriteAllText(Path.Combine(_dir, "data.yaml"), "train: train.txt\nnames: [cat]\n");
        Sparse(list, "images/a.jpg", AnnotationFiles.ImageListMaxBytes + 1);
        var error = Assert.Throws<InvalidDataException>(() => Bounded(() => YoloReader.Read(Path.Combine(_dir, "data.yaml"), "train", null, _ => (64, 48))));
        Assert.Equal($"{list}: the YOLO image list is {(256L << 20) + 1} bytes, more than the limit of 256 MiB", error.Message);
    }

    [Fact]
    public void ALabelsFilePastSixteenMiBIsRefusedByName()
    {
        string labels = Path.Combine(_dir, "labels.txt");
        Sparse(labels, "cat\ndog", AnnotationFiles.LabelsMaxBytes + 1);
        var error = Assert.Throws<InvalidDataException>(() => Bounded(() => Labels.Load(labels)));
        Assert.Equal($"{labels}: the labels file is {(16L << 20) + 1} bytes, more than the limit of 16 MiB", error.Message);
    }

    [Fact]
    public void ListsUnderTheirLimitsReadAsBefore()
    {
        // A byte-order mark and Windows line ends, as File.ReadLines read them.
        string labels = Path.Combine(_dir, "labels.txt");
        File.WriteAllBytes(labels, [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("BACKGROUND\r\ncat\r\ndog, bird\r\n")]);
        Assert.Equal(["cat", "dog", "bird"], Labels.Load(labels).Names);
        using var tree = new VocTestTree();
        tree.WriteImage("a");
        tree.WriteImage("b");
        tree.WriteSplit("trainval", "");
        File.WriteAllBytes(tree.SplitPath("trainval"), [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("b -1\r\n\r\na 1")]);
        Assert.Equal(["b", "a"], VocReader.ListEntries(tree.Root, "trainval").Select(e => e.Id));
    }

    [Fact]
    public void ADataYamlPastOneMiBIsRefused()
    {
        string yaml = Path.Combine(_dir, "data.yaml");
        Sparse(yaml, "names: [", AnnotationFiles.DataYamlMaxBytes + 1);
        var error = Assert.Throws<DataCheckException>(() => Bounded(() => YoloDataYaml.Load(yaml)));
        Assert.Equal($"{yaml}: the data.yaml is 1048577 bytes, more than the limit of 1 MiB", error.Message.Split('\n')[0]);
        Assert.Equal(DataIssueKind.FileTooLarge, Assert.Single(error.Issues).Kind);
    }

    [Fact]
    public void ADataYamlNestedFiftyThousandDeepIsRefusedNotAStackOverflow()
    {
        // YamlStream's recursive build overflowed the stack on this file (fuzzing, tests/fuzz/findings/data-yaml).
        string yaml = Path.Combine(_dir, "data.yaml");
        File.WriteAllText(yaml, "names: " + new string('[', 50000) + new string(']', 50000) + "\n");
        var error = Assert.Throws<DataCheckException>(() => Bounded(() => YoloDataYaml.Load(yaml)));
        Assert.Equal($"{yaml}: lists and maps nested more than {YoloDataYaml.MaxDepth} deep at line 1", error.Message.Split('\n')[0]);
    }

    [Fact]
    public void ADataYamlTheScannerFailsOnIsNamedAsInvalidYaml()
    {
        // The fuzz finding whose plain scalar ends YamlDotNet's scanner in InvalidOperationException.
        string yaml = Path.Combine(_dir, "data.yaml");
        File.WriteAllText(yaml, "# wr)\npath: .\ntrain: traxt\nval: txt\ntest: text\nnames:\n  0: 'le'\n  1: ''\n  2: 'ngle'\n  3: 'star'\n  4: [gon'\n  5: 'ese'\n");
        var error = Assert.Throws<DataCheckException>(() => YoloDataYaml.Load(yaml));
        Assert.StartsWith($"{yaml}: not valid YAML", error.Message);
    }

    [Fact]
    public void ACocoFileThatIsNotUtf8IsNamedWithTheOffset()
    {
        string json = Path.Combine(_dir, "latin1.json");
        // "café" in Latin-1: the é is the byte 0xE9 followed by a quote, not a UTF-8 sequence.
        var bytes = Encoding.Latin1.GetBytes("{\"images\": [], \"categories\": [{\"id\": 1, \"name\": \"café\"}]}");
        File.WriteAllBytes(json, bytes);
        // Without labels the file's own categories would be the classes, so its problem is the error.
        var error = Assert.Throws<DataCheckException>(() => CocoReader.Read(json));
        Assert.StartsWith($"{json}: cannot be read", error.Message);
        var issue = Assert.Single(error.Issues);
        int offset = Array.IndexOf(bytes, (byte)0xE9);
        Assert.Equal((json, DataIssueKind.MalformedEntry), (issue.File, issue.Kind));
        Assert.Equal($"not UTF-8 text: invalid byte 0xE9 at offset {offset}", issue.Message);
    }
}
