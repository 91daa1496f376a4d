namespace SsdLite.Data;

/// <summary>
/// Finds the images of VOCdevkit-style roots (<c>JPEGImages/</c>, <c>Annotations/</c>,
/// <c>ImageSets/Main/&lt;split&gt;.txt</c>) and reads their annotations. A root without <c>ImageSets/</c>,
/// as annotation tools write it, means every annotation in <c>Annotations/</c>. Several roots are read in
/// the order given and concatenated (VOC2007 + VOC2012 trainval is the standard recipe).
/// </summary>
public static class VocReader
{
    // Tried in order for JPEGImages/<id>; VOC itself only has .jpg, converted datasets often have others.
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp", ".JPG", ".JPEG", ".PNG", ".BMP"];

    /// <summary>The entries of one split of several roots, concatenated in root order.</summary>
    public static IReadOnlyList<VocEntry> ListEntries(IEnumerable<string> roots, string split)
    {
        ArgumentNullException.ThrowIfNull(roots);
        ArgumentException.ThrowIfNullOrWhiteSpace(split);
        var entries = new List<VocEntry>();
        foreach (string root in roots)
        {
            entries.AddRange(ListEntries(root, split));
        }
        return entries;
    }

    /// <summary>The entries of one split of one root, in split-file order (or file-name order without ImageSets).</summary>
    public static IReadOnlyList<VocEntry> ListEntries(string root, string split)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        ArgumentException.ThrowIfNullOrWhiteSpace(split);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"dataset root not found: {root}");
        }
        return Directory.Exists(Path.Combine(root, "ImageSets"))
            ? ListSplit(root, split)
            : ListAnnotations(root);
    }

    /// <summary>
    /// Reads the annotation of an entry. Returns null, with the problems added to <paramref name="issues"/>,
    /// when the annotation or image file is missing or the annotation is not a valid VOC annotation under
    /// <paramref name="labels"/>. The image itself is not decoded here (see <see cref="DataCheck"/>).
    /// </summary>
    public static AnnotatedImage? TryRead(VocEntry entry, Labels labels, ICollection<DataIssue> issues)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(issues);
        if (!File.Exists(entry.AnnotationPath))
        {
            issues.Add(new DataIssue(entry.AnnotationPath, DataIssueKind.MissingAnnotation,
                $"annotation file missing (image id '{entry.Id}' listed in {entry.ListedIn})"));
            return null;
        }
        var parsed = VocAnnotationParser.Parse(entry.AnnotationPath, labels, issues);
        string imagePath = ImagePathOf(entry, parsed?.FileName);
        if (!File.Exists(imagePath))
        {
            issues.Add(new DataIssue(imagePath, DataIssueKind.MissingImage, $"image file missing ({Origin(entry)})"));
            return null;
        }
        return parsed is null
            ? null
            : new AnnotatedImage(entry.Id, imagePath, entry.AnnotationPath, parsed.Width, parsed.Height, parsed.Objects);
    }

    /// <summary>Reads the annotation of an entry; throws <see cref="DataCheckException"/> listing its problems.</summary>
    public static AnnotatedImage Read(VocEntry entry, Labels labels)
    {
        var issues = new List<DataIssue>();
        return TryRead(entry, labels, issues)
            ?? throw new DataCheckException($"{entry.AnnotationPath}: cannot be used", issues);
    }

    private static List<VocEntry> ListSplit(string root, string split)
    {
        string main = Path.Combine(root, "ImageSets", "Main");
        string splitFile = Path.Combine(main, split + ".txt");
        if (!File.Exists(splitFile))
        {
            throw new FileNotFoundException($"split '{split}' not found: {splitFile} (available: {AvailableSplits(main)})", splitFile);
        }
        var entries = new List<VocEntry>();
        foreach (string line in AnnotationFiles.ReadLines(splitFile, AnnotationFiles.ImageListMaxBytes, "the VOC split file"))
        {
            // Class-specific split files carry a second column ("000005 -1"); the id is the first token.
            string[] tokens = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length > 0)
            {
                entries.Add(EntryOf(root, tokens[0], splitFile));
            }
        }
        return entries;
    }

    private static List<VocEntry> ListAnnotations(string root)
    {
        string annotations = Path.Combine(root, "Annotations");
        if (!Directory.Exists(annotations))
        {
            throw new DirectoryNotFoundException($"{root} has neither ImageSets/ nor Annotations/: {annotations} not found");
        }
        var options = new EnumerationOptions { MatchCasing = MatchCasing.CaseInsensitive };
        return Directory.GetFiles(annotations, "*.xml", options)
            .Select(Path.GetFileNameWithoutExtension)
            .Order(StringComparer.Ordinal)
            .Select(id => EntryOf(root, id!, null))
            .ToList();
    }

    private static VocEntry EntryOf(string root, string id, string? listedIn)
    {
        string stem = Path.Combine(root, "JPEGImages", id);
        string image = ImageExtensions.Select(ext => stem + ext).FirstOrDefault(File.Exists) ?? stem + ".jpg";
        string annotation = Path.Combine(root, "Annotations", id + ".xml");
        return new VocEntry(id, root, image, annotation, listedIn);
    }

    private static string ImagePathOf(VocEntry entry, string? fileName)
    {
        // Tools that rename images keep the real name in <filename>; use it when the id-based name is absent.
        if (File.Exists(entry.ImagePath) || string.IsNullOrEmpty(fileName) || Path.GetFileName(fileName) != fileName)
        {
            return entry.ImagePath;
        }
        string named = Path.Combine(entry.Root, "JPEGImages", fileName);
        return File.Exists(named) ? named : entry.ImagePath;
    }

    private static string Origin(VocEntry entry) =>
        entry.ListedIn is null
            ? $"annotated in {entry.AnnotationPath}"
            : $"image id '{entry.Id}' listed in {entry.ListedIn}";

    private static string AvailableSplits(string main) =>
        Directory.Exists(main)
            ? string.Join(", ", Directory.GetFiles(main, "*.txt").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal))
            : "none, ImageSets/Main/ is missing";
}
