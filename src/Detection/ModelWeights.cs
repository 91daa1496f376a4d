using System.Globalization;
using SsdLite.Core;
using SsdLite.Platform.Checkpoints;
using SsdLite.Platform.Serialization;

namespace SsdLite.Detection;

/// <summary>Which layout a weights file turned out to have.</summary>
public enum WeightsFormat
{
    /// <summary>The project's own checkpoint (model config in its metadata).</summary>
    SsdLiteCheckpoint,

    /// <summary>A PyTorch state_dict of a reference detector (<c>base_net.*</c>, extras, heads), any architecture.</summary>
    ReferencePth,

    /// <summary>A PyTorch state_dict of torchvision's mobilenet_v2 (<c>features.*</c>, <c>classifier.*</c>).</summary>
    TorchvisionPth,

    /// <summary>
    /// A PyTorch state_dict of a backbone alone, as the reference's <c>--base_net</c> files hold it (<c>0.0.weight</c>,
    /// … its base_net's own keys), or of the reference's ImageNet MobileNetV1 (<c>model.*</c>, <c>fc.*</c>).
    /// </summary>
    BaseNetPth,
}

/// <summary>
/// Named tensors read from any supported weights file, told apart by content, not extension.
/// Owns the tensors: dispose after loading them into a model.
/// </summary>
public sealed class ModelWeights : IDisposable
{
    /// <summary>Metadata key of the model config JSON in the project's checkpoints.</summary>
    public const string ConfigKey = "model_config";

    /// <summary>Prefix of model tensors in the project's checkpoints (optimizer state has its own).</summary>
    public const string ModelPrefix = "model.";

    /// <summary>Prefix of the backbone's keys in a detector's state dict.</summary>
    private const string BaseNetPrefix = "base_net.";

    /// <summary>Prefix of the backbone's keys in the reference's ImageNet MobileNetV1 (its <c>model</c> sequence).</summary>
    private const string ClassifierBackbonePrefix = "model.";

    private ModelWeights(string path, WeightsFormat format, List<KeyValuePair<string, Tensor>> tensors, SsdLiteConfig? config,
        IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        Format = format;
        Tensors = tensors;
        Config = config;
        Metadata = metadata;
    }

    /// <summary>The file the weights were read from.</summary>
    public string Path { get; }
    /// <summary>The file's layout.</summary>
    public WeightsFormat Format { get; }
    /// <summary>The tensors by name, in the file's order.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> Tensors { get; }

    /// <summary>The config a checkpoint carries; null for .pth files.</summary>
    public SsdLiteConfig? Config { get; }

    /// <summary>Metadata stored with an SsdLite checkpoint (empty for a .pth).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Reads an SsdLite checkpoint, a PyTorch .pth state dict or a safetensors file of one (as <c>export --format
    /// safetensors</c> writes it); the error names the file and what is wrong.
    /// </summary>
    public static ModelWeights Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"weights file not found: {path}", path);
        if (Checkpoint.IsCheckpoint(path)) return ReadCheckpoint(path);
        if (PthReader.IsPth(path)) return ReadStateDict(path, PthReader.Read(path));
        if (SafetensorsReader.IsSafetensors(path)) return ReadStateDict(path, SafetensorsReader.Read(path));
        throw new InvalidDataException($"{path}: neither an SsdLite checkpoint nor a PyTorch .pth or safetensors state_dict");
    }

    private static ModelWeights ReadCheckpoint(string path)
    {
        var data = Checkpoint.Load(path);
        if (!data.Metadata.TryGetValue(ConfigKey, out var json))
        {
            data.Dispose();
            throw new InvalidDataException($"{path}: checkpoint has no model config");
        }
        var model = new List<KeyValuePair<string, Tensor>>();
        foreach (var (key, t) in data.Tensors)
        {
            if (key.StartsWith(ModelPrefix, StringComparison.Ordinal)) model.Add(new(key[ModelPrefix.Length..], t));
            else t.Dispose();
        }
        return new ModelWeights(path, WeightsFormat.SsdLiteCheckpoint, model, SsdLiteConfig.FromJson(json), data.Metadata);
    }

    // A .pth or safetensors state_dict: the same keys, told apart by them as one format.
    private static ModelWeights ReadStateDict(string path, IReadOnlyList<KeyValuePair<string, PthTensor>> entries)
    {
        var tensors = new List<KeyValuePair<string, Tensor>>(entries.Count);
        try
        {
            foreach (var (key, t) in entries) tensors.Add(new(key, TensorBytes.Create(t.Data, t.Shape, t.DType).DetachFromDisposeScope()));
        }
        catch
        {
            foreach (var (_, t) in tensors) t.Dispose();
            throw;
        }
        return new ModelWeights(path, FormatOf(tensors.Select(t => t.Key).ToList()), tensors, null, new Dictionary<string, string>());
    }

    private static WeightsFormat FormatOf(IReadOnlyList<string> keys)
    {
        if (TorchvisionNames.IsTorchvision(keys)) return WeightsFormat.TorchvisionPth;
        return IsBaseNet(keys) ? WeightsFormat.BaseNetPth : WeightsFormat.ReferencePth;
    }

    /// <summary>
    /// Weights already in memory (a state dict built or converted in code), told apart by their keys as a .pth file's
    /// are; <paramref name="name"/> stands for the path in messages. Takes ownership of the tensors.
    /// </summary>
    public static ModelWeights FromStateDict(string name, IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        return new ModelWeights(name, FormatOf(list.Select(t => t.Key).ToList()), list, null, new Dictionary<string, string>());
    }

    /// <summary>
    /// Copies the tensors into <paramref name="model"/> by name (see <see cref="StateDicts.Load"/>): a shape mismatch
    /// always throws, missing and unexpected keys only when <paramref name="strict"/>.
    /// </summary>
    public StateDictLoadResult LoadInto(nn.Module model, bool strict = true) => StateDicts.Load(model, Tensors, strict);

    private static bool IsBaseNet(IReadOnlyList<string> keys) =>
        !keys.Any(k => k.StartsWith(BaseNetPrefix, StringComparison.Ordinal))
        && keys.Any(k => DigitAt(k, 0) || (k.StartsWith(ClassifierBackbonePrefix, StringComparison.Ordinal) && DigitAt(k, ClassifierBackbonePrefix.Length)));

    private static bool DigitAt(string key, int index) => key.Length > index && char.IsAsciiDigit(key[index]);

    /// <summary>
    /// The backbone tensors of a torchvision mobilenet_v2 or a base-net file under the detector's names
    /// (<c>base_net.*</c>); a classifier's own layers are left out. The tensors stay this object's.
    /// </summary>
    public List<KeyValuePair<string, Tensor>> BaseNetTensors() => Format switch
    {
        WeightsFormat.TorchvisionPth => TorchvisionNames.ToReference(Tensors, BaseNetPrefix)
            .Where(kv => kv.Key.StartsWith(BaseNetPrefix, StringComparison.Ordinal)).ToList(),
        WeightsFormat.BaseNetPth => Tensors
            .Select(kv => kv.Key.StartsWith(ClassifierBackbonePrefix, StringComparison.Ordinal)
                ? new KeyValuePair<string, Tensor>(kv.Key[ClassifierBackbonePrefix.Length..], kv.Value) : kv)
            .Where(kv => DigitAt(kv.Key, 0))
            .Select(kv => new KeyValuePair<string, Tensor>(BaseNetPrefix + kv.Key, kv.Value)).ToList(),
        _ => Tensors.Where(kv => kv.Key.StartsWith(BaseNetPrefix, StringComparison.Ordinal)).ToList(),
    };

    /// <summary>
    /// The architecture of a reference detector's state_dict, told from its keys: MobileNetV2's inverted residuals
    /// (<c>base_net.1.conv.*</c>), or MobileNetV1's separable blocks (<c>base_net.1.3.weight</c>) with plain 3x3
    /// extras (<c>extras.0.2.weight</c>, mb1-ssd) or separable ones (<c>extras.0.2.0.weight</c>, mb1-ssd-lite). Null
    /// when the keys do not tell (a partial file, another backbone): the caller must name it.
    /// </summary>
    public SsdArch? ReferenceArch()
    {
        var keys = Tensors.Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
        if (keys.Any(k => k.StartsWith("base_net.1.conv.", StringComparison.Ordinal))) return SsdArch.Mb2SsdLite;
        if (!keys.Contains("base_net.1.3.weight")) return null;
        if (keys.Contains("extras.0.2.0.weight")) return SsdArch.Mb1SsdLite;
        if (keys.Contains("extras.0.2.weight")) return SsdArch.Mb1Ssd;
        return null;
    }

    /// <summary>Object classes (without background) that a reference state_dict was trained for, from its last head.</summary>
    public int ReferenceObjectClassCount(int priorsPerCell = 6)
    {
        var head = Tensors.FirstOrDefault(t => t.Key == "classification_headers.5.bias").Value
            ?? throw new InvalidDataException($"{Path}: no classification_headers.5.bias, not a reference SSD state_dict");
        return (int)(head.size(0) / priorsPerCell) - 1;
    }

    /// <summary>Estimates the width multiplier of a reference state_dict from its stem conv (32·width channels).</summary>
    public double ReferenceWidth()
    {
        var stem = Tensors.FirstOrDefault(t => t.Key == "base_net.0.0.weight").Value
            ?? throw new InvalidDataException($"{Path}: no base_net.0.0.weight");
        return stem.size(0) / 32.0;
    }

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        foreach (var (_, t) in Tensors) t.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Path} ({Format}, {Tensors.Count} tensors)");
}
