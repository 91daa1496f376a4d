using System.Text;
using System.Text.RegularExpressions;

namespace SsdLite.Export.Triton;

/// <summary>
/// The names a Triton model repository takes: the model's folder name is its name in Triton's HTTP and gRPC routes
/// (<c>/v2/models/NAME</c>) and in KServe, so it must be one path segment on every file system and in a URL without
/// escaping.
/// </summary>
public static partial class TritonModelName
{
    /// <summary>The longest name written: well under every file system's limit on one path segment.</summary>
    public const int MaxLength = 128;

    /// <summary>What a model is called when its weights file's stem has nothing usable.</summary>
    public const string Fallback = "ssdlite";

    /// <summary>A letter or digit, then letters, digits, '_', '-' or '.'.</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    private static partial Regex Valid();

    /// <summary>Why <paramref name="name"/> cannot name a Triton model, or null when it can.</summary>
    public static string? Problem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0) return "it is empty";
        if (name.Length > MaxLength) return $"it has {name.Length} characters, over {MaxLength}";
        if (!Valid().IsMatch(name)) return "it must start with a letter or digit and hold only letters, digits, '_', '-' and '.'";
        // '.' and '..' are excluded by the first character; a run of dots inside would still read as a relative path to some tools.
        return name.Contains("..", StringComparison.Ordinal) ? "it holds '..'" : null;
    }

    /// <exception cref="ArgumentException"><paramref name="name"/> is not a name Triton's routes and folders take as it is</exception>
    public static string Validate(string name)
    {
        var problem = Problem(name);
        return problem is null ? name : throw new ArgumentException($"--model-name '{name}' cannot name a Triton model: {problem}");
    }

    /// <summary>The weights file's stem with every character Triton would not take replaced by '_'.</summary>
    public static string FromWeights(string weightsPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(weightsPath);
        var stem = Path.GetFileNameWithoutExtension(weightsPath.TrimEnd('/', '\\'));
        var text = new StringBuilder(stem.Length);
        foreach (var c in stem) text.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '_');
        var name = text.ToString().TrimStart('_', '-', '.').Replace("..", "_", StringComparison.Ordinal);
        if (name.Length > MaxLength) name = name[..MaxLength];
        return name.Length == 0 ? Fallback : name;
    }
}
