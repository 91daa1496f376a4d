using SsdLite.Runtime;

namespace SsdLite.Serving;

/// <summary>
/// The model a server answers with: an <see cref="OnnxDetector"/> under a name (the Open Inference Protocol's model
/// name, <c>/v2/models/{name}</c>) and where it came from. The caller keeps ownership of the detector.
/// </summary>
public sealed class ServedModel
{
    /// <param name="name">The name clients address it by; letters, digits, '.', '-' and '_'.</param>
    /// <param name="detector">The session every batch runs in.</param>
    /// <param name="source">The file it was loaded (or exported at start-up) from, for messages and metadata.</param>
    public ServedModel(string name, OnnxDetector detector, string source)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(detector);
        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
            throw new ArgumentException($"model name '{name}' may hold only letters, digits, '.', '-' and '_'", nameof(name));
        Name = name;
        Detector = detector;
        Source = source;
    }

    /// <summary>The name the model answers to under <c>/v2/models/{name}</c> and in each detect answer.</summary>
    public string Name { get; }

    /// <summary>The ONNX Runtime detector every batch runs on.</summary>
    public OnnxDetector Detector { get; }

    /// <summary>Where the model came from (the file given to <c>--model</c>).</summary>
    public string Source { get; }

    /// <summary>Priors per image, known once the warm-up call has run (the outputs' P dimension).</summary>
    public int? PriorCount { get; internal set; }

    /// <summary>The name a model file gives when none is chosen: its file name without the extension.</summary>
    public static string NameFor(string path)
    {
        var stem = Path.GetFileNameWithoutExtension(path);
        var cleaned = new string(stem.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray());
        return cleaned.Length == 0 ? "model" : cleaned;
    }
}
