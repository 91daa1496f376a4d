using SsdLite.Core;
using SsdLite.Tools.Weights;

namespace SsdLite.Tools.Models;

/// <summary>
/// The one way the commands and serve open a model: a file, its kind told once, and the labels and architecture the
/// user gave for it, applied the same way for every request. <see cref="Load{T}"/> returns what the request asks for.
/// Nothing here names a torch-bearing type, so opening and loading an .onnx model maps no libtorch.
/// </summary>
internal sealed class ModelFile
{
    // An ONNX ModelProto begins with its ir_version, field 1 as a varint (tag 0x08); a checkpoint begins "SSDLCKPT",
    // a .pth "PK" (zip) or 0x80 (pickle). So a model exported under another name is still told apart.
    private const byte OnnxFirstByte = 0x08;

    private ModelFile(string path, ModelFileKind kind, IReadOnlyList<string>? classNames, SsdArch? arch)
    {
        Path = path;
        Kind = kind;
        ClassNames = classNames;
        Arch = arch;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>An ONNX model or torch weights.</summary>
    public ModelFileKind Kind { get; }

    /// <summary>
    /// The object class names (no background) from the labels file, or those of the published weights the file is;
    /// null where neither names them (the model's own apply).
    /// </summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>The architecture the user named: chosen for a .pth whose keys do not tell it, checked against the rest.</summary>
    public SsdArch? Arch { get; }

    /// <summary>Tells what <paramref name="path"/> holds and reads <paramref name="labelsPath"/>; loads no weights yet.</summary>
    /// <exception cref="FileNotFoundException">no such model file, or no such labels file</exception>
    /// <exception cref="InvalidDataException">a labels file that cannot be read, naming it and why</exception>
    public static ModelFile Open(string path, string? labelsPath = null, SsdArch? arch = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"model file not found: {path}", path);
        return new ModelFile(path, KindOf(path), ReadClassNames(labelsPath, path), arch);
    }

    /// <summary>The model as <paramref name="request"/> asks for it; the caller owns it. Errors name the file and the problem.</summary>
    public T Load<T>(ModelRequest<T> request)
        where T : IDisposable
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Open(this);
    }

    /// <summary>The error of a request that needs torch weights and was given an ONNX model.</summary>
    internal ArgumentException OnnxGiven(string what) => new($"{Path} is an ONNX model: {what}");

    private static ModelFileKind KindOf(string path)
    {
        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) return ModelFileKind.Onnx;
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[9];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return read > 0 && head[0] == OnnxFirstByte && !IsSafetensorsHead(head[..read]) ? ModelFileKind.Onnx : ModelFileKind.Weights;
    }

    // A safetensors file begins with its header's length as 8 little-endian bytes, then '{': a length of 8 mod 256
    // starts it with 0x08 too. The reader (SsdLite.Platform) checks the rest; naming it here would load libtorch.
    private static bool IsSafetensorsHead(ReadOnlySpan<byte> head) => head.Length == 9 && head[8] == (byte)'{';

    private static IReadOnlyList<string>? ReadClassNames(string? labelsPath, string path) =>
        labelsPath is not null ? SsdLite.Data.Labels.Load(labelsPath).Names : WeightsTable.LabelsFor(path);
}
