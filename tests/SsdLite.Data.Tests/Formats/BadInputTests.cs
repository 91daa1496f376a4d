using SsdLite.Runtime;

namespace SsdLite.Data.Tests.Formats;

/// <summary>
/// Each bad-input kind of COCO and YOLO data is named with its file and annotation id or line, its image is
/// skipped and the rest is kept; a strict check refuses the dataset listing every problem.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssdlite-badinput-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void CocoProblemsAreNamedWithTheAnnotationIdAndSkipped()
    {
        foreach (var name in new[] { "good", "a", "b", "c", "d", "e", "f" }) RoundTripTests.WriteImage(Path.Combine(_dir, name + ".jpg"), 64, 48);
        string json = Path.Combine(_dir, "bad.json");
        File.WriteAllText(json, """
            {"images": [
               {"id": 1, "file_name": "good.jpg", "width": 64, "height": 48},
               {"id": 2, "file_name": "a.jpg", "width": 64, "height": 48},
               {"id": 3, "file_name": "b.jpg", "width": 64, "height": 48},
               {"id": 4, "file_name": "c.jpg", "width": 64, "height": 48},
               {"id": 5, "file_name": "d.jpg", "width": 64, "height": 48},
               {"id": 5, "file_name": "e.jpg", "width": 64, "height": 48},
               {"id": 6, "file_name": "missing.jpg", "width": 64, "height": 48},
               {"id": 7, "file_name": "f.jpg", "width": 64, "height": 48},
               {"id": 8, "file_name": "e.jpg", "width": 64, "height": 48}],
             "annotations": [
               {"id": 10, "image_id": 1, "category_id": 1, "bbox": [1, 1, 10, 10], "area": 100, "iscrowd": 0},
               {"id": 11, "image_id": 99, "category_id": 1, "bbox": [1, 1, 10, 10], "area": 100, "iscrowd": 0},
               {"id": 12, "image_id": 2, "category_id": 5, "bbox": [1, 1, 10, 10], "area": 100, "iscrowd": 0},
               {"id": 13, "image_id": 3, "category_id": 1, "bbox": [1, 1, 0, 10], "area": 0, "iscrowd": 0},
               {"id": 14, "image_id": 4, "category_id": 1, "bbox": [60, 1, 10, 10], "area": 100, "iscrowd": 0},
               {"id": 15, "image_id": 5, "category_id": 1, "bbox": [1, 1, -3, 10], "area": 100, "iscrowd": 0},
               {"id": 16, "image_id": 7, "category_id": 1, "bbox": [1, 1e999, 3, 10], "area": 100, "iscrowd": 0},
               {"id": 17, "image_id": 8, "category_id": 1, "bbox": [1, 1, 3], "area": 100, "iscrowd": 0}],
             "categories": [{"id": 1, "name": "thing"}]}
            """);
        var data = RoundTripTests.Open([json], null, "x", null, new DataCheckOptions { Parallelism = 2 });
        Assert.Equal(["1"], data.Select(s => s.Id));
        AssertIssue(data, json, DataIssueKind.MissingImage, "annotation id 11: image_id 99 is not in images");
        AssertIssue(data, json, DataIssueKind.UnknownClass, "annotation id 12: category_id 5 is not in categories");
        AssertIssue(data, json, DataIssueKind.ZeroAreaBox, "annotation id 13: bbox [1, 1, 0, 10] has zero size");
        AssertIssue(data, json, DataIssueKind.BoxOutsideImage, "annotation id 14: bbox [60, 1, 10, 10] lies outside the 64x48 image 4");
        AssertIssue(data, json, DataIssueKind.InvertedBox, "annotation id 15: bbox [1, 1, -3, 10] has a negative size");
        AssertIssue(data, json, DataIssueKind.InvalidNumber, "annotation id 16: bbox value 1e999 is not a finite number");
        AssertIssue(data, json, DataIssueKind.MalformedEntry, "annotation id 17: bbox is [1, 1, 3], not [x, y, width, height]");
        AssertIssue(data, json, DataIssueKind.DuplicateImageId, "images[5] (id 5): image id 5 is listed twice; this entry is skipped");
        Assert.Contains(data.Issues, i => i.Kind == DataIssueKind.MissingImage && i.File == Path.Combine(_dir, "missing.jpg"));

        var strict = Assert.Throws<DataCheckException>(() => RoundTripTests.Open([json], null, "x", null,
            new DataCheckOptions { Policy = DataCheckPolicy.Strict, Parallelism = 2 }));
        Assert.Equal(data.Issues.Count, strict.Issues.Count);
    }

    [Fact]
    public void MalformedJsonIsNamedWithItsLine()
    {
        string json = Path.Combine(_dir, "broken.json");
        File.WriteAllText(json, "{\"images\": [\n  {\"id\": 1,,}\n]}");
        var data = RoundTripTests.Open([json], DatasetFormat.Coco, "x", Labels.FromNames(["a"]));
        var issue = Assert.Single(data.Issues);
        Assert.Equal(DataIssueKind.MalformedEntry, issue.Kind);
        Assert.StartsWith("malformed JSON at line 2", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void YoloProblemsAreNamedWithTheFileAndLineAndSkipped()
    {
        string root = Path.Combine(_dir, "yolo");
        string images = Path.Combine(root, "images", "train");
        string labels = Path.Combine(root, "labels", "train");
        Directory.CreateDirectory(images);
        Directory.CreateDirectory(labels);
        File.WriteAllText(Path.Combine(root, "data.yaml"), "path: .\ntrain: images/train\nnames:\n  0: cat\n  1: dog\n");
        var lines = new Dictionary<string, string>
        {
            ["good"] = "0 0.5 0.5 0.25 0.5\n1 0.25 0.25 0.1 0.1\n",
            ["range"] = "0 0.5 0.5 0.2 0.2\n2 0.5 0.5 0.2 0.2\n",
            ["short"] = "0 0.5 0.5 0.2\n",
            ["nan"] = "1 0.5 NaN 0.2 0.2\n",
            ["zero"] = "1 0.5 0.5 0 0.2\n",
            ["negative"] = "1 0.5 0.5 0.2 -0.2\n",
            ["outside"] = "0 0.95 0.5 0.2 0.2\n",
            ["word"] = "cat 0.5 0.5 0.2 0.2\n",
        };
        foreach (var (name, text) in lines)
        {
            RoundTripTests.WriteImage(Path.Combine(images, name + ".jpg"), 80, 40);
            File.WriteAllText(Path.Combine(labels, name + ".txt"), text);
        }
        RoundTripTests.WriteImage(Path.Combine(images, "unlabelled.jpg"), 80, 40);

        var data = RoundTripTests.Open([root], null, "train", null);
        Assert.Equal(["good", "unlabelled"], data.Select(s => s.Id));
        Assert.Equal([new BoxF(30, 10, 50, 30), new BoxF(16, 8, 24, 12)], data[0].Objects.Select(o => o.Box));
        Assert.Equal([1, 2], data[0].Objects.Select(o => o.ClassId));
        Assert.Empty(data[1].Objects);
        string L(string name) => Path.Combine(labels, name + ".txt");
        AssertIssue(data, L("range"), DataIssueKind.ClassOutOfRange, "line 2: class 2 is outside 0..1 (data.yaml names 2 classes)");
        AssertIssue(data, L("short"), DataIssueKind.MalformedEntry, "line 1: '0 0.5 0.5 0.2' has 4 fields, expected 5: class cx cy w h");
        AssertIssue(data, L("nan"), DataIssueKind.InvalidNumber, "line 1: 'NaN' is not a finite number");
        AssertIssue(data, L("zero"), DataIssueKind.ZeroAreaBox, "line 1: zero width or height (0, 0.2)");
        AssertIssue(data, L("negative"), DataIssueKind.InvertedBox, "line 1: negative width or height (0.2, -0.2)");
        AssertIssue(data, L("outside"), DataIssueKind.BoxOutsideImage,
            "line 1: box 0.95 0.5 0.2 0.2 reaches outside the image (normalised coordinates must lie in 0..1)");
        AssertIssue(data, L("word"), DataIssueKind.MalformedEntry, "line 1: class 'cat' is not a whole number");
        Assert.Equal(7, data.Issues.Count);

        Assert.Throws<DataCheckException>(() => RoundTripTests.Open([root], null, "train", null,
            new DataCheckOptions { Policy = DataCheckPolicy.Strict, Parallelism = 2 }));
    }

    [Fact]
    public void FormatIsToldByThePath()
    {
        string json = Path.Combine(_dir, "x.json");
        File.WriteAllText(json, "{}");
        string yolo = Path.Combine(_dir, "y");
        Directory.CreateDirectory(yolo);
        File.WriteAllText(Path.Combine(yolo, "data.yaml"), "names: [a]\n");
        Assert.Equal(DatasetFormat.Coco, DetectionDatasets.Detect(json));
        Assert.Equal(DatasetFormat.Yolo, DetectionDatasets.Detect(yolo));
        Assert.Equal(DatasetFormat.Yolo, DetectionDatasets.Detect(Path.Combine(yolo, "data.yaml")));
        Assert.Equal(DatasetFormat.Voc, DetectionDatasets.Detect(_dir));
        Assert.Equal(["a"], DetectionDatasets.DeclaredLabels(yolo, DatasetFormat.Yolo)!.Names);
    }

    private static void AssertIssue(DetectionDataset data, string file, DataIssueKind kind, string message) =>
        Assert.Contains(new DataIssue(file, kind, message), data.Issues);
}
