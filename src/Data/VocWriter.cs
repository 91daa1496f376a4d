using System.Globalization;
using System.Security;
using System.Text;
using SsdLite.Vision;

namespace SsdLite.Data;

/// <summary>
/// Writes samples as one split of a VOC root: JPEGImages/ (the images, copied), Annotations/NAME.xml (1-based
/// pixels, difficult from <see cref="AnnotatedObject.Difficult"/>), ImageSets/Main/SPLIT.txt in sample order, and
/// labels.txt. Coordinates within a thousandth of a whole pixel are written whole.
/// </summary>
public static class VocWriter
{
    /// <summary>Writes the split; returns how many boxes had to be clamped into VOC's 1..W, 1..H pixel range.</summary>
    public static int Write(IReadOnlyList<AnnotatedImage> samples, Labels labels, string root, string split)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentException.ThrowIfNullOrWhiteSpace(split);
        DatasetFiles.CopyImages(samples, Path.Combine(root, "JPEGImages"));
        string annotations = Path.Combine(root, "Annotations");
        string sets = Path.Combine(root, "ImageSets", "Main");
        Directory.CreateDirectory(annotations);
        Directory.CreateDirectory(sets);
        int clamped = 0;
        foreach (var sample in samples)
        {
            AtomicFile.WriteAllText(Path.Combine(annotations, DatasetFiles.Stem(sample) + ".xml"), AnnotationXml(sample, labels, ref clamped));
        }
        AtomicFile.WriteAllText(Path.Combine(sets, split + ".txt"), string.Concat(samples.Select(s => DatasetFiles.Stem(s) + "\n")));
        AtomicFile.WriteAllText(Path.Combine(root, "labels.txt"), string.Concat(labels.Names.Select(n => n + "\n")));
        return clamped;
    }

    private static string AnnotationXml(AnnotatedImage sample, Labels labels, ref int clamped)
    {
        var sb = new StringBuilder();
        sb.Append("<annotation>\n");
        sb.Append("\t<filename>").Append(SecurityElement.Escape(Path.GetFileName(sample.ImagePath))).Append("</filename>\n");
        sb.Append(CultureInfo.InvariantCulture, $"\t<size>\n\t\t<width>{sample.Width}</width>\n\t\t<height>{sample.Height}</height>\n\t\t<depth>3</depth>\n\t</size>\n");
        foreach (var o in sample.Objects)
        {
            // 0-based to VOC's 1-based pixels. A box reaching the far edge of the image in continuous coordinates
            // (COCO's x + w = W) ends one past VOC's last pixel W, so it is clamped there.
            double xMax = Math.Min(o.Box.XMax + 1.0, sample.Width), yMax = Math.Min(o.Box.YMax + 1.0, sample.Height);
            if (xMax < o.Box.XMax + 1.0 || yMax < o.Box.YMax + 1.0) clamped++;
            sb.Append("\t<object>\n");
            sb.Append("\t\t<name>").Append(SecurityElement.Escape(labels.NameOf(o.ClassId))).Append("</name>\n");
            sb.Append(CultureInfo.InvariantCulture, $"\t\t<truncated>{(o.Truncated ? 1 : 0)}</truncated>\n\t\t<difficult>{(o.Difficult ? 1 : 0)}</difficult>\n");
            sb.Append("\t\t<bndbox>\n");
            sb.Append($"\t\t\t<xmin>{Pixel(o.Box.XMin + 1.0)}</xmin>\n\t\t\t<ymin>{Pixel(o.Box.YMin + 1.0)}</ymin>\n");
            sb.Append($"\t\t\t<xmax>{Pixel(xMax)}</xmax>\n\t\t\t<ymax>{Pixel(yMax)}</ymax>\n");
            sb.Append("\t\t</bndbox>\n\t</object>\n");
        }
        sb.Append("</annotation>\n");
        return sb.ToString();
    }

    private static string Pixel(double value)
    {
        double whole = Math.Round(value);
        return Math.Abs(value - whole) < 1e-3 ? whole.ToString(CultureInfo.InvariantCulture) : DatasetFiles.Number((float)value);
    }
}
