using System.Globalization;

namespace SsdLite.Data.Yolo;

/// <summary>
/// Reads one split of an Ultralytics-layout dataset: images listed by data.yaml, and for each image
/// <c>…/images/…/NAME.ext</c> the label file <c>…/labels/…/NAME.txt</c> with one <c>class cx cy w h</c> line per
/// object, all four normalised to the image. An image without a label file has no objects. Boxes need the image's
/// size, so each image's header is decoded here (with EXIF orientation, as the normalised numbers refer to the
/// upright image). An image with a bad line is left out whole; every problem names the file and the line.
/// </summary>
public static class YoloReader
{
    private static readonly HashSet<string> ImageExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif",
    };

    /// <summary>Reads split <paramref name="split"/> of the dataset <paramref name="dataYaml"/> describes.</summary>
    /// <param name="dataYaml">The data.yaml file.</param>
    /// <param name="split">train, val, test (or trainval, read as train).</param>
    /// <param name="labels">Overrides data.yaml's names (class index i takes the id of names[i] there).</param>
    /// <param name="imageSize">Reads an image's size; throws, naming the file, when it cannot.</param>
    /// <param name="parallelism">Images read at once.</param>
    public static DatasetRead Read(string dataYaml, string split, Labels? labels, ImageProbe imageSize, int parallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(imageSize);
        var data = YoloDataYaml.Load(dataYaml);
        string key = data.KeyOf(split);
        if (!data.Splits.TryGetValue(key, out var sources))
            throw new FileNotFoundException($"{dataYaml}: no '{key}' split (defined: {string.Join(", ", data.Splits.Keys)})", dataYaml);
        var images = sources.SelectMany(s => ListImages(s, dataYaml)).ToArray();
        var classes = labels ?? data.Labels;
        var classIds = data.Names.Select(n => classes.TryGetId(n, out int id) ? id : 0).ToArray();
        var samples = new AnnotatedImage?[images.Length];
        var issues = new List<DataIssue>[images.Length];
        Parallel.For(0, images.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism) }, i =>
        {
            issues[i] = [];
            samples[i] = ReadSample(images[i], data.Names, classIds, classes, imageSize, issues[i]);
        });
        return new DatasetRead(images.Length, samples.OfType<AnnotatedImage>().ToArray(), issues.SelectMany(l => l).ToArray(), classes);
    }

    /// <summary>The label file Ultralytics pairs with an image: the last <c>/images/</c> of its path becomes <c>/labels/</c>, the extension .txt.</summary>
    public static string LabelPathOf(string imagePath)
    {
        string separator = Path.DirectorySeparatorChar.ToString();
        string images = separator + "images" + separator;
        int at = imagePath.LastIndexOf(images, StringComparison.Ordinal);
        string swapped = at < 0 ? imagePath : imagePath[..at] + separator + "labels" + separator + imagePath[(at + images.Length)..];
        return Path.ChangeExtension(swapped, ".txt");
    }

    private static IEnumerable<string> ListImages(string source, string dataYaml)
    {
        if (Directory.Exists(source))
        {
            return Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories)
                .Where(f => ImageExtensions.Contains(Path.GetExtension(f)))
                .Order(StringComparer.Ordinal);
        }
        if (File.Exists(source) && Path.GetExtension(source).Equals(".txt", StringComparison.OrdinalIgnoreCase))
        {
            // An image list: one path per line, relative to the list's folder when not absolute.
            string folder = Path.GetDirectoryName(source)!;
            return AnnotationFiles.ReadLines(source, AnnotationFiles.ImageListMaxBytes, "the YOLO image list").Select(l => l.Trim()).Where(l => l.Length > 0)
                .Select(l => Path.GetFullPath(Path.Combine(folder, l))).ToArray();
        }
        throw new DirectoryNotFoundException($"{dataYaml}: image folder or list not found: {source}");
    }

    private static AnnotatedImage? ReadSample(string imagePath, IReadOnlyList<string> names, int[] classIds, Labels classes, ImageProbe imageSize,
        List<DataIssue> issues)
    {
        string labelPath = LabelPathOf(imagePath);
        string id = Path.GetFileNameWithoutExtension(imagePath);
        if (!File.Exists(imagePath))
        {
            issues.Add(new DataIssue(imagePath, DataIssueKind.MissingImage, $"image file missing (listed for {labelPath})"));
            return null;
        }
        (int Width, int Height) size;
        try
        {
            size = imageSize(imagePath);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            issues.Add(new DataIssue(imagePath, DataIssueKind.UnreadableImage, $"unreadable image: {e.Message}"));
            return null;
        }
        if (!File.Exists(labelPath)) return new AnnotatedImage(id, imagePath, labelPath, size.Width, size.Height, []);
        var objects = new List<AnnotatedObject>();
        bool failed = false;
        int lineNumber = 0;
        List<string> lines;
        try
        {
            lines = AnnotationFiles.ReadLines(labelPath, AnnotationFiles.YoloLabelMaxBytes, "the YOLO label file");
        }
        catch (InvalidDataException e)
        {
            issues.Add(new DataIssue(labelPath, DataIssueKind.FileTooLarge, e.Message));
            return null;
        }
        foreach (var line in lines)
        {
            lineNumber++;
            if (line.Trim().Length == 0) continue;
            var parsed = ParseLine(line, lineNumber, labelPath, names, classIds, classes, size, issues);
            if (parsed is { } o) objects.Add(o);
            else failed = true;
        }
        return failed ? null : new AnnotatedImage(id, imagePath, labelPath, size.Width, size.Height, objects);
    }

    private static AnnotatedObject? ParseLine(string line, int lineNumber, string labelPath, IReadOnlyList<string> names, int[] classIds, Labels classes,
        (int Width, int Height) size, List<DataIssue> issues)
    {
        string where = $"line {lineNumber}";
        void Report(DataIssueKind kind, string message) => issues.Add(new DataIssue(labelPath, kind, $"{where}: {message}"));
        string[] tokens = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length != 5)
        {
            Report(DataIssueKind.MalformedEntry, $"'{line.Trim()}' has {tokens.Length} fields, expected 5: class cx cy w h");
            return null;
        }
        if (!int.TryParse(tokens[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int index))
        {
            Report(DataIssueKind.MalformedEntry, $"class '{tokens[0]}' is not a whole number");
            return null;
        }
        if (index < 0 || index >= names.Count)
        {
            Report(DataIssueKind.ClassOutOfRange, $"class {index} is outside 0..{names.Count - 1} (data.yaml names {names.Count} classes)");
            return null;
        }
        var v = new double[4];
        for (int i = 0; i < 4; i++)
        {
            if (!double.TryParse(tokens[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out v[i]) || !double.IsFinite(v[i]))
            {
                Report(DataIssueKind.InvalidNumber, $"'{tokens[i + 1]}' is not a finite number");
                return null;
            }
        }
        if (v[2] < 0 || v[3] < 0)
        {
            Report(DataIssueKind.InvertedBox, $"negative width or height ({tokens[3]}, {tokens[4]})");
            return null;
        }
        if (v[2] == 0 || v[3] == 0)
        {
            Report(DataIssueKind.ZeroAreaBox, $"zero width or height ({tokens[3]}, {tokens[4]})");
            return null;
        }
        // Normalised corners; a millionth absorbs the rounding of six-decimal label files.
        double x0 = v[0] - (v[2] / 2), y0 = v[1] - (v[3] / 2), x1 = v[0] + (v[2] / 2), y1 = v[1] + (v[3] / 2);
        const double slack = 1e-6;
        if (x0 < -slack || y0 < -slack || x1 > 1 + slack || y1 > 1 + slack)
        {
            Report(DataIssueKind.BoxOutsideImage, $"box {string.Join(' ', tokens[1..])} reaches outside the image (normalised coordinates must lie in 0..1)");
            return null;
        }
        if (classIds[index] == 0)
        {
            Report(DataIssueKind.UnknownClass, $"class {index} ('{names[index]}') is not in {classes.Source}");
            return null;
        }
        var box = new BoxF((float)(x0 * size.Width), (float)(y0 * size.Height), (float)(x1 * size.Width), (float)(y1 * size.Height));
        return new AnnotatedObject(classIds[index], names[index], box, false, false);
    }
}
