using System.Globalization;
using SsdLite.Platform.Checkpoints;
using SsdLite.Platform.Serialization;

namespace SsdLite.Detection;

/// <summary>Which layout a weights file turned out to have.</summary>
public enum WeightsFormat
{
    /// <summary>The project's own checkpoint (model config in its metadata).</summary>
    SsdLiteCheckpoint,

    /// <summary>A PyTorch state_dict of the reference SSD-Lite (<c>base_net.*</c>, heads).</summary>
    ReferencePth,

    /// <summary>A PyTorch state_dict of torchvision's mobilenet_v2 (<c>features.*</c>, <c>classifier.*</c>).</summary>
    TorchvisionPth,
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

    private ModelWeights(string path, WeightsFormat format, List<KeyValuePair<string, Tensor>> tensors, SsdLiteConfig? config,
        IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        Format = format;
        Tensors = tensors;
        Config = config;
        Metadata = metadata;
    }

    public string Path { get; }
    public WeightsFormat Format { get; }
    public IReadOnlyList<KeyValuePair<string, Tensor>> Tensors { get; }

    /// <summary>The config a checkpoint carries; null for .pth files.</summary>
    public SsdLiteConfig? Config { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static ModelWeights Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"weights file not found: {path}", path);
        if (Checkpoint.IsCheckpoint(path)) return ReadCheckpoint(path);
        if (PthReader.IsPth(path)) return ReadPth(path);
        throw new InvalidDataException($"{path}: neither an SsdLite checkpoint nor a PyTorch .pth state_dict");
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

    private static ModelWeights ReadPth(string path)
    {
        var entries = PthReader.Read(path);
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
        var format = TorchvisionNames.IsTorchvision(tensors.Select(t => t.Key)) ? WeightsFormat.TorchvisionPth : WeightsFormat.ReferencePth;
        return new ModelWeights(path, format, tensors, null, new Dictionary<string, string>());
    }

    /// <summary>
    /// Copies the tensors into <paramref name="model"/> by name (see <see cref="StateDicts.Load"/>): a shape mismatch
    /// always throws, missing and unexpected keys only when <paramref name="strict"/>.
    /// </summary>
    public StateDictLoadResult LoadInto(nn.Module model, bool strict = true) => StateDicts.Load(model, Tensors, strict);

    /// <summary>Object classes (without background) that a reference state_dict was trained for, from its last head.</summary>
    public int ReferenceObjectClassCount(int priorsPerCell = 6)
    {
        var head = Tensors.FirstOrDefault(t => t.Key == "classification_headers.5.bias").Value
            ?? throw new InvalidDataException($"{Path}: no classification_headers.5.bias, not a reference SSD-Lite state_dict");
        return (int)(head.size(0) / priorsPerCell) - 1;
    }

    /// <summary>Estimates the width multiplier of a reference state_dict from its stem conv (32·width channels).</summary>
    public double ReferenceWidth()
    {
        var stem = Tensors.FirstOrDefault(t => t.Key == "base_net.0.0.weight").Value
            ?? throw new InvalidDataException($"{Path}: no base_net.0.0.weight");
        return stem.size(0) / 32.0;
    }

    public void Dispose()
    {
        foreach (var (_, t) in Tensors) t.Dispose();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Path} ({Format}, {Tensors.Count} tensors)");
}
