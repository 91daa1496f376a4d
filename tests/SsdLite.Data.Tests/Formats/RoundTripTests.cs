using SsdLite.Data.Coco;
using SsdLite.Data.Synthetic;
using SsdLite.Data.Yolo;
using SsdLite.Runtime;

namespace SsdLite.Data.Tests.Formats;

/// <summary>VOC → COCO → YOLO → VOC on a synthetic set: every box to the pixel, every class, every image.</summary>
public sealed class RoundTripTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssdlite-roundtrip-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void VocCocoYoloVocKeepsEveryBoxAndClass()
    {
        string voc = Path.Combine(_dir, "voc");
        SyntheticVoc.Generate(new SyntheticVocOptions { Images = 24, Seed = 11, Width = 160, Height = 120 }, voc);
        var labels = Labels.Load(Path.Combine(voc, "labels.txt"));
        var original = Open([voc], DatasetFormat.Voc, "trainval", labels);
        Assert.True(original.Count > 10);
        Assert.Contains(original, s => s.Objects.Any(o => o.Difficult));

        string coco = Path.Combine(_dir, "coco", "trainval.json");
        CocoWriter.Write(original, labels, coco);
        var viaCoco = Open([coco], null, "trainval", null);
        AssertSameBoxes(original, viaCoco, flags: true);

        string yolo = Path.Combine(_dir, "yolo");
        YoloWriter.Write(viaCoco, viaCoco.Labels, yolo, "train");
        var viaYolo = Open([yolo], null, "train", null);
        AssertSameBoxes(original, viaYolo, flags: false);

        string back = Path.Combine(_dir, "back");
        Assert.Equal(0, VocWriter.Write(viaYolo, viaYolo.Labels, back, "trainval"));
        var final = Open([back], DatasetFormat.Voc, "trainval", Labels.Load(Path.Combine(back, "labels.txt")));
        AssertSameBoxes(original, final, flags: false);
        foreach (var (a, b) in original.Zip(final))
        {
            Assert.Equal(a.Id, b.Id);
            Assert.Equal(File.ReadAllBytes(a.ImagePath), File.ReadAllBytes(b.ImagePath));
            // The written XML has the very integers of the original (1-based) file.
            var before = BoxesIn(a.AnnotationPath);
            var after = BoxesIn(b.AnnotationPath);
            Assert.Equal(before, after);
        }
    }

    [Fact]
    public void CocoCategoryIdsWithGapsMapToClassesInIdOrder()
    {
        string json = Path.Combine(_dir, "gaps.json");
        WriteImage(Path.Combine(_dir, "a.jpg"), 64, 48);
        File.WriteAllText(json, """
            {"images": [{"id": 7, "file_name": "a.jpg", "width": 64, "height": 48}],
             "annotations": [{"id": 1, "image_id": 7, "category_id": 90, "bbox": [1, 2, 10, 20], "area": 150, "iscrowd": 0},
                             {"id": 2, "image_id": 7, "category_id": 3, "bbox": [30, 5, 8, 8], "area": 64, "iscrowd": 1}],
             "categories": [{"id": 90, "name": "toothbrush"}, {"id": 3, "name": "car"}]}
            """);
        var data = Open([json], null, "ignored", null);
        Assert.Equal(["car", "toothbrush"], data.Labels.Names);
        var sample = Assert.Single(data);
        Assert.Equal("7", sample.Id);
        Assert.Equal(new AnnotatedObject(2, "toothbrush", new BoxF(1, 2, 11, 22), false, false) { Area = 150 }, sample.Objects[0]);
        Assert.Equal(new AnnotatedObject(1, "car", new BoxF(30, 5, 38, 13), true, false) { Area = 64 }, sample.Objects[1]);
    }

    internal static DetectionDataset Open(IReadOnlyList<string> sources, DatasetFormat? format, string split, Labels? labels, DataCheckOptions? check = null) =>
        DetectionDatasets.Open(sources, format, split, labels, keepDifficult: true, check ?? new DataCheckOptions { Parallelism = 2 });

    internal static void WriteImage(string path, int width, int height)
    {
        var image = new SsdLite.Vision.Image(width, height);
        SsdLite.Vision.ImageIO.Write(path, image);
    }

    private static void AssertSameBoxes(DetectionDataset expected, DetectionDataset actual, bool flags)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            var a = expected[i];
            var b = actual[i];
            Assert.Equal(Path.GetFileNameWithoutExtension(a.ImagePath), Path.GetFileNameWithoutExtension(b.ImagePath));
            Assert.Equal((a.Width, a.Height), (b.Width, b.Height));
            Assert.Equal(a.Objects.Count, b.Objects.Count);
            for (int k = 0; k < a.Objects.Count; k++)
            {
                var (x, y) = (a.Objects[k], b.Objects[k]);
                Assert.Equal(expected.Labels.NameOf(x.ClassId), actual.Labels.NameOf(y.ClassId));
                Assert.Equal(x.Box.XMin, y.Box.XMin, 1e-3f);
                Assert.Equal(x.Box.YMin, y.Box.YMin, 1e-3f);
                Assert.Equal(x.Box.XMax, y.Box.XMax, 1e-3f);
                Assert.Equal(x.Box.YMax, y.Box.YMax, 1e-3f);
                if (flags) Assert.Equal(x.Difficult, y.Difficult);
            }
        }
    }

    private static string[] BoxesIn(string xmlPath) =>
        System.Xml.Linq.XDocument.Load(xmlPath).Descendants("object")
            .Select(o => string.Join(",", o.Element("name")!.Value, o.Descendants("xmin").Single().Value, o.Descendants("ymin").Single().Value,
                o.Descendants("xmax").Single().Value, o.Descendants("ymax").Single().Value))
            .ToArray();
}
