using System.Globalization;
using System.Security;
using System.Text;
using SsdLite.Vision;

namespace SsdLite.Data.Synthetic;

/// <summary>
/// A synthetic Pascal VOC-format dataset: filled geometric shapes whose class is the shape (colour independent of
/// it) on cluttered backgrounds (gradients, noise, lines, blobs), 8-60% of the image side with varied aspect and
/// rotation, partly occluded by later shapes (the box covers what stays visible; objects hidden beyond 60% are
/// left out), some cut by the border (truncated), some tiny (difficult), a few images empty. Written as a
/// VOCdevkit folder: JPEGImages, Annotations, ImageSets/Main/{train,val,trainval,test}.txt and labels.txt.
/// </summary>
public static class SyntheticVoc
{
    /// <summary>The classes of the synthetic shapes, in class id order (1..6).</summary>
    public static readonly IReadOnlyList<string> ClassNames = ["circle", "square", "triangle", "star", "hexagon", "ellipse"];

    private const double MinVisible = 0.4;
    private const int DifficultSide = 10;

    /// <summary>
    /// Writes a VOC-format dataset (JPEGImages, Annotations, ImageSets/Main train/val/test/trainval, labels.txt) to
    /// <paramref name="outDir"/>; the same options give the same files.
    /// </summary>
    public static SyntheticVocSummary Generate(SyntheticVocOptions options, string outDir)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(outDir);
        options.Validate();
        string images = Path.Combine(outDir, "JPEGImages");
        string annotations = Path.Combine(outDir, "Annotations");
        string sets = Path.Combine(outDir, "ImageSets", "Main");
        Directory.CreateDirectory(images);
        Directory.CreateDirectory(annotations);
        Directory.CreateDirectory(sets);

        int objects = 0;
        Parallel.For(0, options.Images, i =>
        {
            var (image, objs) = Render(options, i);
            string id = Id(i);
            ImageIO.Write(Path.Combine(images, id + ".jpg"), image, options.JpegQuality);
            File.WriteAllText(Path.Combine(annotations, id + ".xml"), AnnotationXml(options, id, image, objs), Utf8);
            Interlocked.Add(ref objects, objs.Count);
        });

        var order = Enumerable.Range(0, options.Images).ToArray();
        new Random(options.Seed).Shuffle(order);
        int train = (int)Math.Round(options.Images * options.TrainFraction);
        int val = Math.Min(options.Images - train, (int)Math.Round(options.Images * options.ValFraction));
        var trainIds = order[..train];
        var valIds = order[train..(train + val)];
        var testIds = order[(train + val)..];
        WriteSet(sets, "train", trainIds);
        WriteSet(sets, "val", valIds);
        WriteSet(sets, "trainval", [.. trainIds, .. valIds]);
        WriteSet(sets, "test", testIds);
        File.WriteAllText(Path.Combine(outDir, "labels.txt"), string.Join("\n", options.Classes ?? ClassNames) + "\n", Utf8);
        return new SyntheticVocSummary(options.Images, objects, trainIds.Length, valIds.Length, testIds.Length);
    }

    /// <summary>The file stem of image <paramref name="index"/> ("000001" for index 0).</summary>
    public static string Id(int index) => (index + 1).ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>Draws image <paramref name="index"/> of a dataset and its annotated objects (deterministic).</summary>
    public static (Image Image, List<SyntheticObject> Objects) Render(SyntheticVocOptions options, int index)
    {
        ArgumentNullException.ThrowIfNull(options);
        var rng = new Random(unchecked((options.Seed * 1_000_003) + index));
        int width = Jitter(rng, options.Width, options.SizeJitter);
        int height = Jitter(rng, options.Height, options.SizeJitter);
        var image = new Image(width, height);
        byte[] mask = new byte[width * height];
        Background(image, mask, rng, options.Clutter);

        int count = rng.NextDouble() < options.EmptyFraction ? 0 : rng.Next(1, options.MaxObjects + 1);
        var owner = new short[width * height];
        owner.AsSpan().Fill(-1);
        var drawn = new List<(int Class, int Pixels, bool Truncated, bool Tiny)>();
        for (int k = 0; k < count; k++)
        {
            drawn.Add(DrawObject(image, mask, owner, (short)k, rng, options));
        }

        // The visible part of each object: its pixels not painted over by a later one.
        int[] visible = new int[count];
        int[] x0 = Enumerable.Repeat(int.MaxValue, count).ToArray(), y0 = (int[])x0.Clone();
        int[] x1 = new int[count], y1 = new int[count];
        for (int y = 0, p = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++, p++)
            {
                int o = owner[p];
                if (o < 0)
                {
                    continue;
                }

                visible[o]++;
                x0[o] = Math.Min(x0[o], x);
                y0[o] = Math.Min(y0[o], y);
                x1[o] = Math.Max(x1[o], x);
                y1[o] = Math.Max(y1[o], y);
            }
        }

        var objects = new List<SyntheticObject>();
        for (int k = 0; k < count; k++)
        {
            var d = drawn[k];
            if (d.Pixels == 0 || visible[k] < MinVisible * d.Pixels || x1[k] <= x0[k] || y1[k] <= y0[k])
            {
                continue;
            }

            bool difficult = d.Tiny || Math.Min(x1[k] - x0[k], y1[k] - y0[k]) + 1 < DifficultSide;
            objects.Add(new SyntheticObject(d.Class, x0[k], y0[k], x1[k], y1[k], d.Truncated, difficult));
        }

        return (image, objects);
    }

    private static int Jitter(Random rng, int side, double jitter) =>
        Math.Max(32, (int)Math.Round(side * (1 + (jitter * ((2 * rng.NextDouble()) - 1)))));

    private static void Background(Image image, byte[] mask, Random rng, bool clutter)
    {
        int w = image.Width, h = image.Height;
        var a = RandomColour(rng);
        var b = RandomColour(rng);
        double angle = rng.NextDouble() * Math.PI * 2;
        double dx = Math.Cos(angle), dy = Math.Sin(angle);
        double span = (Math.Abs(dx) * w) + (Math.Abs(dy) * h);
        double offset = Math.Min(0, dx * w) + Math.Min(0, dy * h);
        int noise = rng.Next(4, 24);
        var px = image.Pixels;
        for (int y = 0, i = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++, i += Image.BytesPerPixel)
            {
                double t = ((x * dx) + (y * dy) - offset) / span;
                int n = rng.Next(-noise, noise + 1);
                px[i] = Clamp(a.R + ((b.R - a.R) * t) + n);
                px[i + 1] = Clamp(a.G + ((b.G - a.G) * t) + n);
                px[i + 2] = Clamp(a.B + ((b.B - a.B) * t) + n);
            }
        }

        if (!clutter)
        {
            return;
        }

        // Blobs: irregular polygons blended at 40%, so that they clutter without looking like the classes.
        int blobs = rng.Next(1, 5);
        for (int k = 0; k < blobs; k++)
        {
            Array.Clear(mask);
            int cx = rng.Next(w), cy = rng.Next(h), r = rng.Next(Math.Min(w, h) / 10, Math.Min(w, h) / 3);
            int n = rng.Next(7, 13);
            int[] xy = new int[2 * n];
            for (int v = 0; v < n; v++)
            {
                double phi = (2 * Math.PI * v / n) + (rng.NextDouble() * 0.4);
                double radius = r * (0.35 + (0.65 * rng.NextDouble()));
                xy[2 * v] = cx + (int)(radius * Math.Cos(phi));
                xy[(2 * v) + 1] = cy + (int)(radius * Math.Sin(phi));
            }

            new PixelCanvas(mask, w, h, 1).Polygon(xy, new Rgb(1, 0, 0));
            var c = RandomColour(rng);
            for (int p = 0; p < mask.Length; p++)
            {
                if (mask[p] != 0)
                {
                    px[Image.BytesPerPixel * p] = (byte)((0.6 * px[Image.BytesPerPixel * p]) + (0.4 * c.R));
                    px[(Image.BytesPerPixel * p) + 1] = (byte)((0.6 * px[(Image.BytesPerPixel * p) + 1]) + (0.4 * c.G));
                    px[(Image.BytesPerPixel * p) + 2] = (byte)((0.6 * px[(Image.BytesPerPixel * p) + 2]) + (0.4 * c.B));
                }
            }
        }

        int lines = rng.Next(3, 12);
        for (int k = 0; k < lines; k++)
        {
            image.DrawLine(rng.Next(w), rng.Next(h), rng.Next(w), rng.Next(h), RandomColour(rng), rng.Next(1, 4));
        }
    }

    private static int IndexOf(string name)
    {
        for (int i = 0; i < ClassNames.Count; i++)
        {
            if (ClassNames[i] == name)
            {
                return i;
            }
        }

        throw new ArgumentException($"no synthetic class {name}");
    }

    private static (int Class, int Pixels, bool Truncated, bool Tiny) DrawObject(Image image, byte[] mask, short[] owner,
        short index, Random rng, SyntheticVocOptions options)
    {
        int w = image.Width, h = image.Height;
        int cls = options.Classes is { } subset ? IndexOf(subset[rng.Next(subset.Count)]) : rng.Next(ClassNames.Count);
        bool tiny = rng.NextDouble() < options.TinyFraction;
        int side = Math.Min(w, h);
        double size = side * (tiny ? 0.03 + (0.03 * rng.NextDouble()) : 0.08 + (0.52 * rng.NextDouble()));
        double stretch = Math.Exp(((2 * rng.NextDouble()) - 1) * 0.35); // aspect 0.7..1.4
        double sx = stretch >= 1 ? 1 : stretch, sy = stretch >= 1 ? 1 / stretch : 1;
        double rotation = rng.NextDouble() * 2 * Math.PI;
        double r = size / 2;

        // Mostly inside the image; one in six may cross the border.
        bool mayCross = rng.Next(6) == 0;
        double margin = mayCross ? 0 : r;
        double cx = margin + (rng.NextDouble() * Math.Max(1, w - (2 * margin)));
        double cy = margin + (rng.NextDouble() * Math.Max(1, h - (2 * margin)));

        Array.Clear(mask);
        var canvas = new PixelCanvas(mask, w, h, 1);
        var on = new Rgb(1, 0, 0);
        switch (ClassNames[cls])
        {
            case "circle":
                canvas.Circle((int)cx, (int)cy, Math.Max(1, (int)r), on);
                break;
            case "ellipse":
                {
                    // Clearly not round: axis ratio 1.6..2.5.
                    double ratio = 1.6 + (0.9 * rng.NextDouble());
                    canvas.Ellipse((int)cx, (int)cy, Math.Max(1, (int)r), Math.Max(1, (int)(r / ratio)), rotation * 180 / Math.PI, on);
                    break;
                }

            case "square":
                canvas.Polygon(Regular(cx, cy, r, 4, 1, 1, rotation, 0), on);
                break;
            case "triangle":
                canvas.Polygon(Regular(cx, cy, r, 3, sx, sy, rotation, 0), on);
                break;
            case "hexagon":
                canvas.Polygon(Regular(cx, cy, r, 6, sx, sy, rotation, 0), on);
                break;
            default:
                canvas.Polygon(Regular(cx, cy, r, 10, sx, sy, rotation, 0.42), on);
                break;
        }

        var colour = RandomColour(rng);
        int shade = rng.Next(0, 30);
        var px = image.Pixels;
        int pixels = 0;
        int minX = int.MaxValue, minY = int.MaxValue, maxX = -1, maxY = -1;
        for (int y = 0, p = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++, p++)
            {
                if (mask[p] == 0)
                {
                    continue;
                }

                pixels++;
                owner[p] = index;
                minX = Math.Min(minX, x);
                maxX = Math.Max(maxX, x);
                minY = Math.Min(minY, y);
                maxY = Math.Max(maxY, y);
                int s = (shade * (y - (int)cy)) / Math.Max(1, (int)r);
                px[Image.BytesPerPixel * p] = Clamp(colour.R + s);
                px[(Image.BytesPerPixel * p) + 1] = Clamp(colour.G + s);
                px[(Image.BytesPerPixel * p) + 2] = Clamp(colour.B + s);
            }
        }

        // Truncated when the shape's full extent (its radius around the centre) leaves the image.
        bool truncated = cx - r < 0 || cy - r < 0 || cx + r > w - 1 || cy + r > h - 1;
        return (cls, pixels, truncated && pixels > 0, tiny);
    }

    /// <summary>An n-gon (or a star, with an inner radius ratio) stretched by (sx, sy) and rotated, as (x, y) pairs.</summary>
    private static int[] Regular(double cx, double cy, double r, int n, double sx, double sy, double rotation, double inner)
    {
        int[] xy = new int[2 * n];
        for (int v = 0; v < n; v++)
        {
            double phi = (2 * Math.PI * v / n) - (Math.PI / 2);
            double radius = inner > 0 && v % 2 == 1 ? r * inner : r;
            double px = radius * Math.Cos(phi) * sx, py = radius * Math.Sin(phi) * sy;
            xy[2 * v] = (int)Math.Round(cx + (px * Math.Cos(rotation)) - (py * Math.Sin(rotation)));
            xy[(2 * v) + 1] = (int)Math.Round(cy + (px * Math.Sin(rotation)) + (py * Math.Cos(rotation)));
        }

        return xy;
    }

    private static Rgb RandomColour(Random rng) => new((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256));

    private static byte Clamp(double v) => (byte)Math.Clamp((int)Math.Round(v), 0, 255);

    private static void WriteSet(string dir, string name, IEnumerable<int> indices)
    {
        var sb = new StringBuilder();
        foreach (int i in indices.Order())
        {
            sb.Append(Id(i)).Append('\n');
        }

        File.WriteAllText(Path.Combine(dir, name + ".txt"), sb.ToString(), Utf8);
    }

    private static string AnnotationXml(SyntheticVocOptions options, string id, Image image, List<SyntheticObject> objects)
    {
        var sb = new StringBuilder();
        sb.Append("<annotation>\n");
        sb.Append("\t<folder>").Append(SecurityElement.Escape(options.DatasetName)).Append("</folder>\n");
        sb.Append("\t<filename>").Append(id).Append(".jpg</filename>\n");
        sb.Append("\t<source>\n\t\t<database>SsdLite synthetic shapes</database>\n\t</source>\n");
        sb.Append("\t<size>\n");
        sb.Append(CultureInfo.InvariantCulture, $"\t\t<width>{image.Width}</width>\n\t\t<height>{image.Height}</height>\n\t\t<depth>3</depth>\n");
        sb.Append("\t</size>\n");
        sb.Append("\t<segmented>0</segmented>\n");
        foreach (var o in objects)
        {
            sb.Append("\t<object>\n");
            sb.Append("\t\t<name>").Append(ClassNames[o.ClassIndex]).Append("</name>\n");
            sb.Append("\t\t<pose>Unspecified</pose>\n");
            sb.Append(CultureInfo.InvariantCulture, $"\t\t<truncated>{(o.Truncated ? 1 : 0)}</truncated>\n");
            sb.Append(CultureInfo.InvariantCulture, $"\t\t<difficult>{(o.Difficult ? 1 : 0)}</difficult>\n");
            sb.Append("\t\t<bndbox>\n");
            // VOC coordinates are 1-based and inclusive.
            sb.Append(CultureInfo.InvariantCulture, $"\t\t\t<xmin>{o.XMin + 1}</xmin>\n\t\t\t<ymin>{o.YMin + 1}</ymin>\n");
            sb.Append(CultureInfo.InvariantCulture, $"\t\t\t<xmax>{o.XMax + 1}</xmax>\n\t\t\t<ymax>{o.YMax + 1}</ymax>\n");
            sb.Append("\t\t</bndbox>\n");
            sb.Append("\t</object>\n");
        }

        sb.Append("</annotation>\n");
        return sb.ToString();
    }

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
}
