using System.Globalization;
using System.Text.Json;
using SsdLite.Detection;
using SsdLite.Platform.Vision;
using SsdLite.Tools.Evaluation;

namespace SsdLite.Tools.Detect;

/// <summary>One image's detections, as <c>detect --json</c> writes them.</summary>
public sealed record ImageDetections(string Image, int Width, int Height, IReadOnlyList<DetectedObject> Detections);

/// <summary>Runs a detector over image files: expands paths, batches, draws, and writes the documented JSON.</summary>
public static class DetectRunner
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"];

    /// <summary>Files, folders (their images, sorted) and globs (<c>*</c>, <c>?</c> in the last part) to image paths.</summary>
    public static List<string> ExpandPaths(IEnumerable<string> paths)
    {
        var result = new List<string>();
        foreach (var p in paths)
        {
            if (File.Exists(p)) result.Add(p);
            else if (Directory.Exists(p)) result.AddRange(ImagesIn(p, "*"));
            else if (p.IndexOfAny(['*', '?']) >= 0) result.AddRange(Glob(p));
            else throw new FileNotFoundException($"no such file or folder: {p}", p);
        }
        if (result.Count == 0) throw new FileNotFoundException($"no images found in {string.Join(", ", paths)}");
        return result;
    }

    private static IEnumerable<string> Glob(string pattern)
    {
        var dir = Path.GetDirectoryName(pattern);
        if (string.IsNullOrEmpty(dir)) dir = ".";
        if (dir.IndexOfAny(['*', '?']) >= 0) throw new ArgumentException($"{pattern}: wildcards are supported in the file name only");
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"no such folder: {dir} (in {pattern})");
        var matches = ImagesIn(dir, Path.GetFileName(pattern)).ToList();
        return matches.Count > 0 ? matches : throw new FileNotFoundException($"no images match {pattern}");
    }

    private static IEnumerable<string> ImagesIn(string dir, string pattern) =>
        Directory.EnumerateFiles(dir, pattern)
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal);

    public static List<ImageDetections> Run(IObjectDetector detector, IReadOnlyList<string> files, string? drawTo, int batchSize = 8)
    {
        var results = new List<ImageDetections>();
        if (drawTo is not null) Directory.CreateDirectory(drawTo);
        for (var start = 0; start < files.Count; start += batchSize)
        {
            var batch = files.Skip(start).Take(batchSize).ToList();
            var images = batch.Select(ImageIO.Read).ToList();
            var found = detector.Detect(images);
            for (var i = 0; i < batch.Count; i++)
            {
                results.Add(new ImageDetections(batch[i], images[i].Width, images[i].Height, found[i]));
                if (drawTo is not null) ImageIO.Write(Path.Combine(drawTo, Path.GetFileName(batch[i])), Draw(images[i], found[i]));
            }
        }
        return results;
    }

    /// <summary>The image with each detection's box and "label score".</summary>
    public static Image Draw(Image image, IReadOnlyList<DetectedObject> detections)
    {
        var drawn = image.Clone();
        foreach (var d in detections.Reverse())
        {
            var label = string.Create(CultureInfo.InvariantCulture, $"{d.Label ?? d.ClassId.ToString(CultureInfo.InvariantCulture)} {d.Score:0.00}");
            drawn.DrawBox(d.Box.XMin, d.Box.YMin, d.Box.XMax, d.Box.YMax, Palette.Of(d.ClassId - 1), 2, label);
        }
        return drawn;
    }

    /// <summary>The list ARCHITECTURE.md documents: image, width, height, detections (label, class_id, score, box).</summary>
    public static string ToJson(IReadOnlyList<ImageDetections> results)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartArray();
            foreach (var r in results)
            {
                w.WriteStartObject();
                w.WriteString("image", r.Image);
                w.WriteNumber("width", r.Width);
                w.WriteNumber("height", r.Height);
                w.WriteStartArray("detections");
                foreach (var d in r.Detections) WriteDetection(w, d);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteDetection(Utf8JsonWriter w, DetectedObject d)
    {
        w.WriteStartObject();
        w.WriteString("label", d.Label);
        w.WriteNumber("class_id", d.ClassId);
        w.WriteNumber("score", d.Score);
        w.WriteStartArray("box");
        w.WriteNumberValue(d.Box.XMin);
        w.WriteNumberValue(d.Box.YMin);
        w.WriteNumberValue(d.Box.XMax);
        w.WriteNumberValue(d.Box.YMax);
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
