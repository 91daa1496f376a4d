namespace SsdLite.Data;

/// <summary>
/// The class names of a dataset. Class id 0 is the background; the names take ids 1..N in file order.
/// A labels file holds one name per line or comma-separated names; blank entries, surrounding whitespace
/// and an optional leading <c>BACKGROUND</c> entry never change the class count (the reference counts
/// them, so a trailing newline there silently adds a class).
/// </summary>
public sealed class Labels
{
    /// <summary>The name the reference writes as the first line of its labels files.</summary>
    public const string BackgroundName = Runtime.ClassLabels.Background;

    private static readonly string[] VocNames =
    [
        "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
        "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train",
        "tvmonitor",
    ];

    private readonly string[] _names;
    private readonly Dictionary<string, int> _ids;

    private Labels(string[] names, string source)
    {
        _names = names;
        Source = source;
        // VOC tools disagree on case ("Dog" vs "dog"); the reference lower-cases, so lookups ignore case.
        _ids = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < names.Length; i++)
        {
            _ids.Add(names[i], i + 1);
        }
    }

    /// <summary>The 20 Pascal VOC classes in the standard order (aeroplane = 1 … tvmonitor = 20).</summary>
    public static Labels Voc { get; } = new(VocNames, "the 20 VOC classes");

    /// <summary>Where the names came from: a file path, or a description for built-in lists.</summary>
    public string Source { get; }

    /// <summary>The object class names, without the background; <c>Names[i]</c> has class id <c>i + 1</c>.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Number of object classes N, without the background.</summary>
    public int ObjectClassCount => _names.Length;

    /// <summary>Number of classes the network predicts: N + 1, counting the background as class 0.</summary>
    public int ClassCountWithBackground => _names.Length + 1;

    /// <summary>The name of a class id; id 0 is <see cref="BackgroundName"/>.</summary>
    public string NameOf(int classId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(classId);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classId, _names.Length);
        return classId == 0 ? BackgroundName : _names[classId - 1];
    }

    /// <summary>The class id (1..N) of a name, ignoring case and surrounding whitespace.</summary>
    public bool TryGetId(string name, out int classId)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _ids.TryGetValue(name.Trim(), out classId);
    }

    /// <summary>Reads a labels file; throws <see cref="InvalidDataException"/> naming the file for duplicates.</summary>
    public static Labels Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"labels file not found: {path}", path);
        }
        return Parse(string.Join('\n', AnnotationFiles.ReadLines(path, AnnotationFiles.LabelsMaxBytes, "the labels file")), path);
    }

    /// <summary>Parses the text of a labels file; <paramref name="source"/> names it in error messages.</summary>
    public static Labels Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        var names = SplitEntries(text);
        if (names.Count > 0 && string.Equals(names[0].Name, BackgroundName, StringComparison.OrdinalIgnoreCase))
        {
            names.RemoveAt(0);
        }
        RejectBadEntries(names, source);
        return new Labels(names.Select(n => n.Name).ToArray(), source);
    }

    /// <summary>Creates labels from names in class-id order (id 1 first), with the same checks as a file.</summary>
    public static Labels FromNames(IEnumerable<string> names, string source = "names given in code")
    {
        ArgumentNullException.ThrowIfNull(names);
        return Parse(string.Join('\n', names), source);
    }

    private static List<(string Name, int Line)> SplitEntries(string text)
    {
        var entries = new List<(string, int)>();
        string[] lines = text.Split('\n');
        for (int line = 0; line < lines.Length; line++)
        {
            foreach (string part in lines[line].Split(','))
            {
                // Trim also removes the '\r' of Windows line ends and a stray byte-order mark.
                string name = part.Trim().Trim('\uFEFF').Trim();
                if (name.Length > 0)
                {
                    entries.Add((name, line + 1));
                }
            }
        }
        return entries;
    }

    private static void RejectBadEntries(List<(string Name, int Line)> names, string source)
    {
        if (names.Count == 0)
        {
            throw new InvalidDataException($"{source}: no class names");
        }
        var firstLine = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, line) in names)
        {
            if (string.Equals(name, BackgroundName, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidDataException(
                    $"{source}: line {line}: '{name}' is reserved for class 0 and may only be the first entry");
            }
            if (!firstLine.TryAdd(name, line))
            {
                throw new InvalidDataException(
                    $"{source}: line {line}: duplicate class name '{name}' (first on line {firstLine[name]})");
            }
        }
    }
}
