using System.Xml.Linq;
using SsdLite.Data;
using SsdLite.Data.Synthetic;
using SsdLite.Vision;

namespace SsdLite.Data.Tests;

public sealed class SyntheticVocTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssdlite-synth-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void SameSeedWritesByteIdenticalFiles()
    {
        var options = new SyntheticVocOptions { Images = 10, Seed = 42 };
        string a = Path.Combine(_dir, "a"), b = Path.Combine(_dir, "b");
        SyntheticVoc.Generate(options, a);
        SyntheticVoc.Generate(options, b);
        var files = Directory.GetFiles(a, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(a, f)).Order().ToArray();
        Assert.Equal(files, Directory.GetFiles(b, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(b, f)).Order());
        Assert.Equal(10 + 10 + 4 + 1, files.Length);
        foreach (var f in files)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, f)), File.ReadAllBytes(Path.Combine(b, f)));
        }

        SyntheticVoc.Generate(options with { Seed = 43 }, Path.Combine(_dir, "c"));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(a, "JPEGImages", "000001.jpg")), File.ReadAllBytes(Path.Combine(_dir, "c", "JPEGImages", "000001.jpg")));
    }

    [Fact]
    public void WritesAVocTreeWithParseableAnnotationsInsideTheImage()
    {
        var options = new SyntheticVocOptions { Images = 30, Seed = 5, TrainFraction = 0.5, ValFraction = 0.2 };
        var summary = SyntheticVoc.Generate(options, _dir);
        Assert.Equal((30, 15, 6, 9), (summary.Images, summary.Train, summary.Val, summary.Test));

        Assert.Equal(SyntheticVoc.ClassNames, File.ReadAllLines(Path.Combine(_dir, "labels.txt")));
        string[] Set(string name) => File.ReadAllLines(Path.Combine(_dir, "ImageSets", "Main", name + ".txt"));
        var train = Set("train");
        var val = Set("val");
        var test = Set("test");
        Assert.Equal(train.Concat(val).Order(), Set("trainval").Order());
        Assert.Empty(train.Intersect(val));
        Assert.Empty(train.Concat(val).Intersect(test));
        Assert.Equal(30, train.Length + val.Length + test.Length);

        int objects = 0;
        foreach (var id in train.Concat(val).Concat(test))
        {
            var xml = XDocument.Load(Path.Combine(_dir, "Annotations", id + ".xml")).Root!;
            Assert.Equal("annotation", xml.Name.LocalName);
            Assert.Equal(id + ".jpg", (string?)xml.Element("filename"));
            Assert.Equal("SYNTHETIC", (string?)xml.Element("folder"));
            var size = xml.Element("size")!;
            int w = (int)size.Element("width")!, h = (int)size.Element("height")!;
            Assert.Equal(3, (int)size.Element("depth")!);
            var image = ImageIO.Read(Path.Combine(_dir, "JPEGImages", id + ".jpg"));
            Assert.Equal((w, h), (image.Width, image.Height));
            Assert.InRange(w, 240, 360);
            foreach (var o in xml.Elements("object"))
            {
                objects++;
                Assert.Contains((string)o.Element("name")!, SyntheticVoc.ClassNames);
                Assert.Equal("Unspecified", (string?)o.Element("pose"));
                Assert.InRange((int)o.Element("truncated")!, 0, 1);
                Assert.InRange((int)o.Element("difficult")!, 0, 1);
                var box = o.Element("bndbox")!;
                int x0 = (int)box.Element("xmin")!, y0 = (int)box.Element("ymin")!;
                int x1 = (int)box.Element("xmax")!, y1 = (int)box.Element("ymax")!;
                Assert.True(x0 >= 1 && y0 >= 1 && x1 <= w && y1 <= h && x0 < x1 && y0 < y1, $"{id}: {x0} {y0} {x1} {y1} in {w}x{h}");
            }
        }

        Assert.Equal(summary.Objects, objects);
        Assert.True(objects > 30);
    }

    [Fact]
    public void ShapePixelsLieInsideTheirBox()
    {
        // One object per image: every pixel that differs from the same image rendered without objects (the
        // background draws the same random numbers) belongs to the shape, so it must lie inside the box; the
        // box's centre is on the shape for these centre-filled shapes, so it differs too.
        var options = new SyntheticVocOptions { Images = 40, Seed = 9, MaxObjects = 1, EmptyFraction = 0, TinyFraction = 0 };
        SyntheticVoc.Generate(options, _dir);
        int checkedImages = 0;
        for (int i = 0; i < options.Images; i++)
        {
            var (rendered, objects) = SyntheticVoc.Render(options, i);
            var (background, none) = SyntheticVoc.Render(options with { EmptyFraction = 1 }, i);
            Assert.Empty(none);
            if (objects.Count != 1)
            {
                continue;
            }

            var o = objects[0];
            var xml = XDocument.Load(Path.Combine(_dir, "Annotations", SyntheticVoc.Id(i) + ".xml")).Root!;
            var box = xml.Element("object")!.Element("bndbox")!;
            Assert.Equal(o.XMin + 1, (int)box.Element("xmin")!);
            Assert.Equal(o.YMax + 1, (int)box.Element("ymax")!);

            int outside = 0;
            for (int y = 0; y < rendered.Height; y++)
            {
                for (int x = 0; x < rendered.Width; x++)
                {
                    if (rendered[x, y] != background[x, y] && (x < o.XMin || x > o.XMax || y < o.YMin || y > o.YMax))
                    {
                        outside++;
                    }
                }
            }

            Assert.Equal(0, outside);

            // The written JPEG: at the box centre, the shape's colour, not the background's.
            var jpeg = ImageIO.Read(Path.Combine(_dir, "JPEGImages", SyntheticVoc.Id(i) + ".jpg"));
            int cx = (o.XMin + o.XMax) / 2, cy = (o.YMin + o.YMax) / 2;
            var expected = rendered[cx, cy];
            var back = background[cx, cy];
            var got = jpeg[cx, cy];
            int toShape = Distance(got, expected), toBackground = Distance(got, back);
            if (Distance(expected, back) > 60)
            {
                Assert.True(toShape < toBackground, $"image {i} class {o.ClassIndex}: centre {got}, shape {expected}, background {back}");
                checkedImages++;
            }
        }

        Assert.True(checkedImages > 20, $"{checkedImages} images checked");
    }

    [Fact]
    public void ClassesFlagsAndEmptyImagesAllOccur()
    {
        var options = new SyntheticVocOptions { Seed = 3 };
        var counts = new int[SyntheticVoc.ClassNames.Count];
        int empty = 0, difficult = 0, truncated = 0;
        double minSide = double.MaxValue, maxSide = 0;
        for (int i = 0; i < 150; i++)
        {
            var (image, objects) = SyntheticVoc.Render(options, i);
            empty += objects.Count == 0 ? 1 : 0;
            foreach (var o in objects)
            {
                counts[o.ClassIndex]++;
                difficult += o.Difficult ? 1 : 0;
                truncated += o.Truncated ? 1 : 0;
                double side = Math.Max(o.XMax - o.XMin + 1, o.YMax - o.YMin + 1) / (double)Math.Min(image.Width, image.Height);
                minSide = Math.Min(minSide, side);
                maxSide = Math.Max(maxSide, side);
            }
        }

        Assert.All(counts, c => Assert.True(c > 20, string.Join(",", counts)));
        Assert.InRange(empty, 1, 20);
        Assert.True(difficult > 5 && truncated > 5, $"difficult {difficult} truncated {truncated}");
        Assert.True(maxSide > 0.45 && maxSide <= 0.75, $"largest {maxSide}");
        Assert.True(minSide < 0.07, $"smallest {minSide}");
    }

    private static int Distance(Rgb a, Rgb b) => Math.Abs(a.R - b.R) + Math.Abs(a.G - b.G) + Math.Abs(a.B - b.B);
}
