using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace SsdLite.Data.Yolo;

/// <summary>
/// An Ultralytics <c>data.yaml</c>: <c>path</c> (the dataset root, relative to the YAML file's folder; default that
/// folder), <c>train</c>, <c>val</c> and <c>test</c> (each a folder of images, a .txt list of image paths, or a list of
/// those, relative to the root) and <c>names</c> (a list, or a map from class index to name).
/// </summary>
public sealed class YoloDataYaml
{
    private YoloDataYaml(string file, string root, IReadOnlyDictionary<string, IReadOnlyList<string>> splits, IReadOnlyList<string> names)
    {
        File = file;
        Root = root;
        Splits = splits;
        Names = names;
    }

    /// <summary>The data.yaml file.</summary>
    public string File { get; }

    /// <summary>The dataset root, absolute.</summary>
    public string Root { get; }

    /// <summary>The splits it defines (train, val, test) and their sources, absolute.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Splits { get; }

    /// <summary>The class names; class index i is class id i + 1.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The classes as <see cref="Labels"/>.</summary>
    public Labels Labels => Labels.FromNames(Names, $"the names of {File}");

    /// <summary>
    /// The data.yaml key a split name means: train and trainval read <c>train</c>; test reads <c>test</c>, or
    /// <c>val</c> when there is no test set (as Ultralytics validates on val); val reads <c>val</c>.
    /// </summary>
    public string KeyOf(string split) => split.ToLowerInvariant() switch
    {
        "train" or "trainval" => "train",
        "test" when !Splits.ContainsKey("test") => "val",
        var other => other,
    };

    /// <summary>Reads and checks a data.yaml; a file that cannot be used throws <see cref="DataCheckException"/> naming the problem.</summary>
    public static YoloDataYaml Load(string path)
    {
        if (!System.IO.File.Exists(path)) throw new FileNotFoundException($"data.yaml not found: {path}", path);
        var root = LoadMapping(path);
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string datasetRoot = Scalar(root, "path") is { Length: > 0 } p ? Path.GetFullPath(Path.Combine(folder, p)) : folder;
        var splits = new Dictionary<string, IReadOnlyList<string>>();
        foreach (string key in new[] { "train", "val", "test" })
        {
            var sources = Sources(root, key, path).Select(s => Path.GetFullPath(Path.Combine(datasetRoot, s))).ToList();
            if (sources.Count > 0) splits[key] = sources;
        }
        return new YoloDataYaml(path, datasetRoot, splits, ReadNames(root, path));
    }

    /// <summary>The deepest nesting of lists and maps taken; a data.yaml needs 2 (names under the top level).</summary>
    public const int MaxDepth = 32;

    private static YamlMappingNode LoadMapping(string path)
    {
        string text;
        try
        {
            using var reader = new StreamReader(new MemoryStream(AnnotationFiles.ReadAllBytes(path, AnnotationFiles.DataYamlMaxBytes, "the data.yaml"), writable: false));
            text = reader.ReadToEnd();
        }
        catch (InvalidDataException e)
        {
            throw new DataCheckException(e.Message, [new DataIssue(path, DataIssueKind.FileTooLarge, e.Message)]);
        }
        var stream = new YamlStream();
        try
        {
            CheckDepth(path, text);
            stream.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw Bad(path, $"not valid YAML at line {e.Start.Line}: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner ends some malformed input in InvalidOperationException (fuzzing found it,
            // tests/fuzz/findings/data-yaml) instead of its YamlException: still malformed YAML, not a crash.
            throw Bad(path, $"not valid YAML: {e.Message}");
        }
        return stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode mapping
            ? mapping
            : throw Bad(path, "expected a mapping (path, train, val, test, names) at the top level");
    }

    // YamlStream builds its node tree by recursion, so a file of a few hundred thousand nested brackets would end
    // the process in a stack overflow, which no catch stops; the event parser, which keeps its own stack, counts
    // the depth first.
    private static void CheckDepth(string path, string text)
    {
        var parser = new YamlDotNet.Core.Parser(new StringReader(text));
        int depth = 0;
        while (parser.MoveNext())
        {
            if (parser.Current is (YamlDotNet.Core.Events.SequenceStart or YamlDotNet.Core.Events.MappingStart) && ++depth > MaxDepth)
                throw Bad(path, $"lists and maps nested more than {MaxDepth} deep at line {parser.Current.Start.Line}");
            if (parser.Current is YamlDotNet.Core.Events.SequenceEnd or YamlDotNet.Core.Events.MappingEnd) depth--;
        }
    }

    private static string? Scalar(YamlMappingNode root, string key) =>
        root.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode s && s.Value is not (null or "null" or "~")
            ? s.Value.Trim()
            : null;

    private static List<string> Sources(YamlMappingNode root, string key, string path)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode(key), out var node)) return [];
        return node switch
        {
            YamlScalarNode s when s.Value is null or "" or "null" or "~" => [],
            YamlScalarNode s => [s.Value!.Trim()],
            YamlSequenceNode seq => seq.Children.Select(c => (c as YamlScalarNode)?.Value?.Trim()
                ?? throw Bad(path, $"'{key}' at line {c.Start.Line}: expected a path")).ToList(),
            _ => throw Bad(path, $"'{key}' at line {node.Start.Line}: expected a path or a list of paths"),
        };
    }

    private static List<string> ReadNames(YamlMappingNode root, string path)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode("names"), out var node)) throw Bad(path, "no 'names' (the class names)");
        List<string> names;
        if (node is YamlSequenceNode list)
        {
            names = list.Children.Select(c => (c as YamlScalarNode)?.Value?.Trim() ?? "").ToList();
        }
        else if (node is YamlMappingNode map)
        {
            var byIndex = new SortedDictionary<int, string>();
            foreach (var (k, v) in map.Children)
            {
                string keyText = (k as YamlScalarNode)?.Value ?? "";
                if (!int.TryParse(keyText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int index) || index < 0)
                    throw Bad(path, $"names at line {k.Start.Line}: key '{keyText}' is not a class index");
                byIndex[index] = (v as YamlScalarNode)?.Value?.Trim() ?? "";
            }
            if (byIndex.Count > 0 && byIndex.Keys.Last() != byIndex.Count - 1)
                throw Bad(path, $"names: class indices must run 0..{byIndex.Count - 1} without gaps");
            names = byIndex.Values.ToList();
        }
        else
        {
            throw Bad(path, $"names at line {node.Start.Line}: expected a list or a map of index: name");
        }
        if (names.Count == 0 || names.Any(n => n.Length == 0)) throw Bad(path, "names: empty, or a class without a name");
        if (Scalar(root, "nc") is { } nc && nc != names.Count.ToString(CultureInfo.InvariantCulture))
            throw Bad(path, $"nc is {nc} but names lists {names.Count} classes");
        return names;
    }

    private static DataCheckException Bad(string path, string message) =>
        new($"{path}: {message}", [new DataIssue(path, DataIssueKind.MalformedEntry, message)]);
}
