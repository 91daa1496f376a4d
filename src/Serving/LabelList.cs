namespace SsdLite.Serving;

/// <summary>
/// Reads a labels file as ARCHITECTURE.md defines it (one name per line or comma-separated, blank entries and a
/// leading BACKGROUND ignored), without SsdLite.Data: that assembly loads libtorch, and the service must not.
/// </summary>
public static class LabelList
{
    /// <summary>The object class names of <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">no such file</exception>
    /// <exception cref="InvalidDataException">no names, or a name given twice</exception>
    public static IReadOnlyList<string> Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"labels file not found: {path}", path);
        var names = File.ReadAllText(path).Split(['\n', '\r', ','])
            .Select(n => n.Trim().Trim('\uFEFF').Trim()).Where(n => n.Length > 0).ToList();
        if (names.Count > 0 && IsBackground(names[0])) names.RemoveAt(0);
        if (names.Count == 0) throw new InvalidDataException($"{path} names no classes");
        if (names.Any(IsBackground))
            throw new InvalidDataException($"{path}: '{Runtime.ClassLabels.Background}' is reserved for class 0 and may only be the first entry");
        var twice = names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new InvalidDataException($"{path} names the class '{twice.Key}' more than once");
        return names;
    }

    private static bool IsBackground(string name) => string.Equals(name, Runtime.ClassLabels.Background, StringComparison.OrdinalIgnoreCase);
}
