using System.Globalization;
using System.Text.Json;

namespace SsdLite.Data.Coco;

/// <summary>
/// Reads a COCO detection file (<c>images</c>, <c>annotations</c>, <c>categories</c>) into samples. Categories take
/// class ids 1..N in the order of their COCO ids (any ids, gaps allowed), or, when labels are given, the id of their
/// name there. An image's <c>file_name</c> is resolved against the images folder when one is given, else against
/// the JSON file's own folder (torchvision's <c>CocoDetection(root, annFile)</c>). Crowd annotations become ignored
/// objects (<see cref="AnnotatedObject.Difficult"/>), as VOC's difficult ones are; each object keeps the annotation's
/// <c>area</c> for COCO's area ranges. An image with a bad annotation is left out whole, as a VOC file is, so that no
/// object is trained as background; every problem is named with the file and the annotation id.
/// </summary>
public static class CocoReader
{
    /// <summary>Reads <paramref name="jsonPath"/>; <paramref name="labels"/> overrides the file's category names.</summary>
    public static DatasetRead Read(string jsonPath, string? imagesDir = null, Labels? labels = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jsonPath);
        if (!File.Exists(jsonPath)) throw new FileNotFoundException($"COCO file not found: {jsonPath}", jsonPath);
        var issues = new List<DataIssue>();
        using var document = Load(jsonPath, issues);
        if (document is null)
        {
            // Without labels the classes come from the file, so one that cannot be read has none: its problem is the error.
            return labels is null ? throw new DataCheckException($"{jsonPath}: cannot be read", issues) : new DatasetRead(0, [], issues, labels);
        }
        var root = document.RootElement;
        var context = new Context(jsonPath, imagesDir ?? Path.GetDirectoryName(Path.GetFullPath(jsonPath))!, issues);
        var categories = ReadCategories(root, context);
        var classes = labels ?? Labels.FromNames(categories.OrderBy(c => c.Key).Select(c => c.Value), $"the categories of {jsonPath}");
        var images = ReadImages(root, context);
        var objects = ReadAnnotations(root, context, images, categories, classes);
        var samples = images.Values.OrderBy(i => i.Order)
            .Where(i => !i.Failed && (File.Exists(i.Path) || MissingFile(i, context)))
            .Select(i => new AnnotatedImage(i.Id.ToString(CultureInfo.InvariantCulture), i.Path, jsonPath, i.Width, i.Height,
                objects.TryGetValue(i.Id, out var list) ? list : []))
            .ToArray();
        return new DatasetRead(context.Listed, samples, issues, classes);
    }

    /// <summary>The category names of a COCO file in id order (the classes a model trained on it predicts).</summary>
    public static Labels ReadLabels(string jsonPath)
    {
        var issues = new List<DataIssue>();
        using var document = Load(jsonPath, issues) ?? throw new DataCheckException($"{jsonPath}: cannot be read", issues);
        var categories = ReadCategories(document.RootElement, new Context(jsonPath, "", issues));
        if (issues.Count > 0) throw new DataCheckException($"{jsonPath}: bad categories", issues);
        return Labels.FromNames(categories.OrderBy(c => c.Key).Select(c => c.Value), $"the categories of {jsonPath}");
    }

    /// <summary>The COCO category id of each category name (results files name categories by these ids).</summary>
    public static IReadOnlyDictionary<string, long> CategoryIds(string jsonPath)
    {
        var issues = new List<DataIssue>();
        using var document = Load(jsonPath, issues) ?? throw new DataCheckException($"{jsonPath}: cannot be read", issues);
        var categories = ReadCategories(document.RootElement, new Context(jsonPath, "", issues));
        return categories.GroupBy(c => c.Value, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.Min(c => c.Key), StringComparer.OrdinalIgnoreCase);
    }

    private static JsonDocument? Load(string path, List<DataIssue> issues)
    {
        try
        {
            var bytes = AnnotationFiles.ReadAllBytes(path, AnnotationFiles.CocoJsonMaxBytes, "the COCO file");
            if (FirstInvalidUtf8(bytes) is { } offset)
            {
                // JsonDocument checks a string's UTF-8 only when the string is read, and then throws
                // InvalidOperationException from deep inside the reader; the whole file is checked here instead.
                issues.Add(new DataIssue(path, DataIssueKind.MalformedEntry, $"not UTF-8 text: invalid byte 0x{bytes[offset]:X2} at offset {offset}"));
                return null;
            }
            var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowTrailingCommas = true });
            if (document.RootElement.ValueKind == JsonValueKind.Object) return document;
            document.Dispose();
            issues.Add(new DataIssue(path, DataIssueKind.MalformedEntry, "not a COCO file: the top level is not an object"));
        }
        catch (InvalidDataException e)
        {
            issues.Add(new DataIssue(path, DataIssueKind.FileTooLarge, e.Message));
        }
        catch (JsonException e)
        {
            issues.Add(new DataIssue(path, DataIssueKind.MalformedEntry,
                $"malformed JSON at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}: {e.Message}"));
        }
        return null;
    }

    // The offset of the first byte that is not part of valid UTF-8 (a fast vectorised check first; the walk rune by
    // rune only for a file that fails it).
    private static int? FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes)) return null;
        int offset = 0;
        while (offset < bytes.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes[offset..], out _, out int consumed) != System.Buffers.OperationStatus.Done) return offset;
            offset += consumed;
        }
        return null;
    }

    private static Dictionary<long, string> ReadCategories(JsonElement root, Context context)
    {
        var categories = new Dictionary<long, string>();
        int index = 0;
        foreach (var category in Array(root, "categories", context))
        {
            string where = $"categories[{index++}]";
            if (!context.Integer(category, "id", where, out long id)) continue;
            string name = category.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()!.Trim() : "";
            if (name.Length == 0) context.Report(DataIssueKind.MissingField, $"{where} (id {id}): no name");
            else if (!categories.TryAdd(id, name)) context.Report(DataIssueKind.MalformedEntry, $"{where}: category id {id} listed twice");
        }
        return categories;
    }

    private static Dictionary<long, ImageInfo> ReadImages(JsonElement root, Context context)
    {
        var images = new Dictionary<long, ImageInfo>();
        int index = 0;
        foreach (var image in Array(root, "images", context))
        {
            string where = $"images[{index}]";
            context.Listed++;
            index++;
            if (!context.Integer(image, "id", where, out long id)) continue;
            where += $" (id {id})";
            string file = image.TryGetProperty("file_name", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : "";
            bool sized = context.Integer(image, "width", where, out long width) & context.Integer(image, "height", where, out long height);
            if (file.Length == 0) context.Report(DataIssueKind.MissingField, $"{where}: no file_name");
            if (sized && (width < 1 || height < 1)) context.Report(DataIssueKind.InvalidSize, $"{where}: size {width}x{height} is not positive");
            if (images.ContainsKey(id))
            {
                context.Report(DataIssueKind.DuplicateImageId, $"{where}: image id {id} is listed twice; this entry is skipped");
                continue;
            }
            bool usable = file.Length > 0 && sized && width >= 1 && height >= 1;
            images[id] = new ImageInfo(id, index, Path.Combine(context.ImagesDir, file), (int)Math.Min(width, int.MaxValue), (int)Math.Min(height, int.MaxValue))
            {
                Failed = !usable,
            };
        }
        return images;
    }

    private static Dictionary<long, List<AnnotatedObject>> ReadAnnotations(JsonElement root, Context context, Dictionary<long, ImageInfo> images,
        Dictionary<long, string> categories, Labels classes)
    {
        var objects = new Dictionary<long, List<AnnotatedObject>>();
        int index = 0;
        foreach (var annotation in Array(root, "annotations", context))
        {
            string where = $"annotations[{index++}]";
            // TryGetProperty and TryGetInt64 throw on the wrong kind of element, so the kinds are checked first (fuzzing
            // found an annotation id that was an array: tests/fuzz/findings/coco).
            if (annotation.ValueKind == JsonValueKind.Object && annotation.TryGetProperty("id", out var idElement)
                && idElement.ValueKind == JsonValueKind.Number && idElement.TryGetInt64(out long annotationId))
                where = $"annotation id {annotationId}";
            if (!context.Integer(annotation, "image_id", where, out long imageId)) continue;
            if (!images.TryGetValue(imageId, out var image))
            {
                context.Report(DataIssueKind.MissingImage, $"{where}: image_id {imageId} is not in images");
                continue;
            }
            var parsed = ReadObject(annotation, where, image, categories, classes, context);
            if (parsed is { } o)
            {
                if (!objects.TryGetValue(imageId, out var list)) objects[imageId] = list = [];
                list.Add(o);
            }
            else
            {
                image.Failed = true;
            }
        }
        return objects;
    }

    private static AnnotatedObject? ReadObject(JsonElement annotation, string where, ImageInfo image, Dictionary<long, string> categories,
        Labels classes, Context context)
    {
        bool ok = context.Integer(annotation, "category_id", where, out long categoryId);
        int classId = 0;
        string name = "";
        if (ok && !categories.TryGetValue(categoryId, out name!))
        {
            context.Report(DataIssueKind.UnknownClass, $"{where}: category_id {categoryId} is not in categories");
            ok = false;
        }
        else if (ok && !classes.TryGetId(name, out classId))
        {
            context.Report(DataIssueKind.UnknownClass, $"{where}: category '{name}' is not in {classes.Source}");
            ok = false;
        }
        double[]? box = ReadBox(annotation, where, context);
        if (box is null || !BoxIsValid(box, where, image, context)) return null;
        bool crowd = annotation.TryGetProperty("iscrowd", out var c) && c.ValueKind == JsonValueKind.Number && c.GetDouble() != 0;
        double? area = annotation.TryGetProperty("area", out var a) && a.ValueKind == JsonValueKind.Number && a.TryGetDouble(out double av) && double.IsFinite(av)
            ? av
            : null;
        if (!ok) return null;
        var vocBox = new BoxF((float)box[0], (float)box[1], (float)(box[0] + box[2]), (float)(box[1] + box[3]));
        return new AnnotatedObject(classId, name, vocBox, crowd, false) { Area = area ?? (box[2] * box[3]) };
    }

    private static double[]? ReadBox(JsonElement annotation, string where, Context context)
    {
        if (!annotation.TryGetProperty("bbox", out var bbox))
        {
            context.Report(DataIssueKind.MissingField, $"{where}: no bbox");
            return null;
        }
        if (bbox.ValueKind != JsonValueKind.Array || bbox.GetArrayLength() != 4)
        {
            context.Report(DataIssueKind.MalformedEntry, $"{where}: bbox is {bbox.GetRawText()}, not [x, y, width, height]");
            return null;
        }
        var values = new double[4];
        int i = 0;
        foreach (var v in bbox.EnumerateArray())
        {
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out values[i]) || !double.IsFinite(values[i]))
            {
                context.Report(DataIssueKind.InvalidNumber, $"{where}: bbox value {v.GetRawText()} is not a finite number");
                return null;
            }
            i++;
        }
        return values;
    }

    private static bool BoxIsValid(double[] b, string where, ImageInfo image, Context context)
    {
        string text = $"[{Format(b[0])}, {Format(b[1])}, {Format(b[2])}, {Format(b[3])}]";
        if (b[2] < 0 || b[3] < 0)
        {
            context.Report(DataIssueKind.InvertedBox, $"{where}: bbox {text} has a negative size");
            return false;
        }
        if (b[2] == 0 || b[3] == 0)
        {
            context.Report(DataIssueKind.ZeroAreaBox, $"{where}: bbox {text} has zero size");
            return false;
        }
        // A thousandth of a pixel absorbs the rounding of tools that write x + w as a float sum.
        const double slack = 1e-3;
        if (b[0] < -slack || b[1] < -slack || b[0] + b[2] > image.Width + slack || b[1] + b[3] > image.Height + slack)
        {
            context.Report(DataIssueKind.BoxOutsideImage, $"{where}: bbox {text} lies outside the {image.Width}x{image.Height} image {image.Id}");
            return false;
        }
        return true;
    }

    private static bool MissingFile(ImageInfo image, Context context)
    {
        context.Issues.Add(new DataIssue(image.Path, DataIssueKind.MissingImage, $"image file missing (image id {image.Id} in {context.Path})"));
        return false;
    }

    private static IEnumerable<JsonElement> Array(JsonElement root, string name, Context context)
    {
        if (!root.TryGetProperty(name, out var array))
        {
            // A file without annotations (a test split) is fine; one without images or categories is not COCO.
            if (name != "annotations") context.Report(DataIssueKind.MissingField, $"no '{name}' array");
            return [];
        }
        if (array.ValueKind != JsonValueKind.Array)
        {
            context.Report(DataIssueKind.MalformedEntry, $"'{name}' is not an array");
            return [];
        }
        return array.EnumerateArray();
    }

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed class ImageInfo(long id, int order, string path, int width, int height)
    {
        public long Id { get; } = id;

        public int Order { get; } = order;

        public string Path { get; } = path;

        public int Width { get; } = width;

        public int Height { get; } = height;

        public bool Failed { get; set; }
    }

    private sealed class Context(string path, string imagesDir, List<DataIssue> issues)
    {
        public string Path { get; } = path;

        public string ImagesDir { get; } = imagesDir;

        public List<DataIssue> Issues { get; } = issues;

        public int Listed { get; set; }

        public void Report(DataIssueKind kind, string message) => Issues.Add(new DataIssue(Path, kind, message));

        public bool Integer(JsonElement element, string name, string where, out long value)
        {
            value = 0;
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var v))
            {
                Report(DataIssueKind.MissingField, $"{where}: no {name}");
                return false;
            }
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out value)) return true;
            Report(DataIssueKind.InvalidNumber, $"{where}: {name} is {v.GetRawText()}, not an integer");
            return false;
        }
    }
}
