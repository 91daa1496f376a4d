using System.Globalization;
using System.Text.Json;
using SsdLite.Vision;

namespace SsdLite.Data.Coco;

/// <summary>
/// Writes samples as a COCO detection file: the images are copied into <c>images/</c> beside the JSON file and
/// named there by <c>file_name</c> ("images/NAME.jpg", relative to the JSON's folder, where the reader looks by
/// default). Boxes are [x, y, w, h] of the 0-based continuous box, so reading the file back gives the same boxes;
/// difficult objects are written as crowd (<c>iscrowd</c> 1), as mmdetection's VOC converter does. Image ids are the
/// sample ids where all are whole numbers (VOC's "000005" is 5), else 1..N; categories are 1..N in label order.
/// </summary>
public static class CocoWriter
{
    /// <summary>Writes <paramref name="jsonPath"/> and the image copies.</summary>
    public static void Write(IReadOnlyList<AnnotatedImage> samples, Labels labels, string jsonPath)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(labels);
        string folder = Path.GetDirectoryName(Path.GetFullPath(jsonPath))!;
        DatasetFiles.CopyImages(samples, Path.Combine(folder, "images"));
        var ids = ImageIds(samples);
        AtomicFile.Write(jsonPath, stream =>
        {
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            WriteImages(w, samples, ids);
            WriteAnnotations(w, samples, ids);
            w.WriteStartArray("categories");
            for (int i = 0; i < labels.Names.Count; i++)
            {
                w.WriteStartObject();
                w.WriteNumber("id", i + 1);
                w.WriteString("name", labels.Names[i]);
                w.WriteString("supercategory", "object");
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>The COCO image id of each sample: its id when all ids are distinct whole numbers, else its position + 1.</summary>
    public static long[] ImageIds(IReadOnlyList<AnnotatedImage> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var parsed = samples.Select(s => long.TryParse(s.Id, NumberStyles.None, CultureInfo.InvariantCulture, out long id) ? id : -1).ToArray();
        bool usable = parsed.All(id => id >= 0) && parsed.Distinct().Count() == parsed.Length;
        return usable ? parsed : Enumerable.Range(1, samples.Count).Select(i => (long)i).ToArray();
    }

    private static void WriteImages(Utf8JsonWriter w, IReadOnlyList<AnnotatedImage> samples, long[] ids)
    {
        w.WriteStartArray("images");
        for (int i = 0; i < samples.Count; i++)
        {
            w.WriteStartObject();
            w.WriteNumber("id", ids[i]);
            w.WriteString("file_name", "images/" + Path.GetFileName(samples[i].ImagePath));
            w.WriteNumber("width", samples[i].Width);
            w.WriteNumber("height", samples[i].Height);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteAnnotations(Utf8JsonWriter w, IReadOnlyList<AnnotatedImage> samples, long[] ids)
    {
        w.WriteStartArray("annotations");
        long next = 1;
        for (int i = 0; i < samples.Count; i++)
        {
            foreach (var o in samples[i].Objects)
            {
                double x = o.Box.XMin, y = o.Box.YMin, width = (double)o.Box.XMax - o.Box.XMin, height = (double)o.Box.YMax - o.Box.YMin;
                w.WriteStartObject();
                w.WriteNumber("id", next++);
                w.WriteNumber("image_id", ids[i]);
                w.WriteNumber("category_id", o.ClassId);
                w.WriteStartArray("bbox");
                w.WriteNumberValue(x);
                w.WriteNumberValue(y);
                w.WriteNumberValue(width);
                w.WriteNumberValue(height);
                w.WriteEndArray();
                w.WriteNumber("area", o.Area ?? (width * height));
                w.WriteNumber("iscrowd", o.Difficult ? 1 : 0);
                w.WriteEndObject();
            }
        }
        w.WriteEndArray();
    }
}
