using System.Globalization;
using System.Text.Json;
using SsdLite.Runtime;

namespace SsdLite.Tools.Evaluation;

/// <summary>
/// COCO's results format: one <c>{"image_id", "category_id", "bbox": [x, y, w, h], "score"}</c> per detection, the
/// file any COCO tool (pycocotools' loadRes, for one) scores against a ground-truth file.
/// </summary>
public static class CocoResultsJson
{
    /// <summary>One image's detections with the ids they take in the results.</summary>
    public sealed record Entry(long ImageId, IReadOnlyList<DetectedObject> Detections);

    /// <summary>The results list; <paramref name="categoryOf"/> maps a class id (1..N) to its COCO category id.</summary>
    public static string ToJson(IEnumerable<Entry> entries, Func<int, long> categoryOf)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(categoryOf);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false }))
        {
            w.WriteStartArray();
            foreach (var entry in entries)
            {
                foreach (var d in entry.Detections)
                {
                    w.WriteStartObject();
                    w.WriteNumber("image_id", entry.ImageId);
                    w.WriteNumber("category_id", categoryOf(d.ClassId));
                    w.WriteStartArray("bbox");
                    foreach (double v in Xywh(d.Box)) w.WriteNumberValue(v);
                    w.WriteEndArray();
                    w.WriteNumber("score", (double)d.Score);
                    w.WriteEndObject();
                }
            }
            w.WriteEndArray();
        }
        // One detection a line keeps a file of thousands readable and diffable.
        return System.Text.Encoding.UTF8.GetString(stream.ToArray()).Replace("},{", "},\n{", StringComparison.Ordinal) + "\n";
    }

    /// <summary>A corner box as COCO's [x, y, width, height], in double so that a reader gets the very numbers scored.</summary>
    public static double[] Xywh(BoxF box) => [box.XMin, box.YMin, (double)box.XMax - box.XMin, (double)box.YMax - box.YMin];

    /// <summary>
    /// The image id each file takes: the number its name is (COCO's own file names are their ids,
    /// 000000397133.jpg is 397133) when every name is a distinct number, else 1..N in order.
    /// </summary>
    public static long[] ImageIdsOf(IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var ids = paths.Select(p => long.TryParse(Path.GetFileNameWithoutExtension(p), NumberStyles.None, CultureInfo.InvariantCulture, out long id) ? id : -1)
            .ToArray();
        return ids.All(i => i >= 0) && ids.Distinct().Count() == ids.Length ? ids : Enumerable.Range(1, paths.Count).Select(i => (long)i).ToArray();
    }
}
