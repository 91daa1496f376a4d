using System.Text.Json;
using Google.Protobuf;
using Onnx;
using SsdLite.Runtime;
using SsdLite.Vision;

namespace SsdLite.Export.Triton;

/// <summary>
/// A Triton model repository for an exported detector: <c>REPO/NAME/config.pbtxt</c>, <c>REPO/NAME/VERSION/model.onnx</c>
/// and the class names the outputs' <c>label_filename</c> names, <c>REPO/NAME/labels.txt</c>. The config is derived
/// from the ONNX file that was written, so its tensors are that file's. Each file is written atomically.
/// </summary>
public static class TritonRepository
{
    /// <summary>The model file's name in its version folder (what Triton's onnxruntime backend looks for).</summary>
    public const string ModelFileName = "model.onnx";

    /// <summary>The model configuration's file name.</summary>
    public const string ConfigFileName = "config.pbtxt";

    /// <summary>The platform of an ONNX model run by Triton's onnxruntime backend.</summary>
    public const string Platform = "onnxruntime_onnx";

    /// <summary>Where the ONNX file goes: <c>REPO/NAME/VERSION/model.onnx</c>.</summary>
    public static string ModelPath(string repository, TritonRepositoryOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(repository);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (File.Exists(repository))
            throw new ArgumentException($"--out {repository} is a file: --format triton writes a model repository, a folder");
        return Path.Combine(repository, options.ModelName, options.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), ModelFileName);
    }

    /// <summary>
    /// Writes the labels file and config.pbtxt for the ONNX file already at <see cref="ModelPath"/>: its inputs and
    /// outputs, their types and shapes, and its class names are read from that file.
    /// </summary>
    /// <exception cref="InvalidDataException">the ONNX file is not an SsdLite export Triton can batch</exception>
    public static TritonRepositoryResult WriteConfig(string repository, TritonRepositoryOptions options)
    {
        var modelPath = ModelPath(repository, options);
        var model = ReadModel(modelPath);
        var folder = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(modelPath)))!;
        var labelsPath = Path.Combine(folder, OnnxExporter.LabelsFileName);
        var inputs = model.Graph.Input.Where(i => IsGraphInput(model.Graph, i)).Select(i => Tensor(modelPath, i, null)).ToList();
        var outputs = model.Graph.Output.Select(o => Tensor(modelPath, o, LabelsFor(o.Name))).ToList();

        AtomicFile.WriteAllText(labelsPath, string.Join('\n', ClassLabels.WithBackground(ClassNames(modelPath, model))) + "\n");
        var configPath = Path.Combine(folder, ConfigFileName);
        AtomicFile.WriteAllText(configPath, TritonConfigText.Write(options, inputs, outputs));
        return new TritonRepositoryResult(folder, configPath, modelPath, labelsPath, inputs, outputs);
    }

    // The class axis of the scores and the ids of an NMS export both index the labels file (BACKGROUND is line 0).
    private static string? LabelsFor(string output) =>
        output is OnnxConventions.ScoresName or OnnxConventions.DetectionClassesName ? OnnxExporter.LabelsFileName : null;

    private static ModelProto ReadModel(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{path}: not an ONNX model ({e.Message})", e);
        }
    }

    // An initializer listed among the inputs (older IR versions did so) is a constant, not something a client sends.
    private static bool IsGraphInput(GraphProto graph, ValueInfoProto input) => graph.Initializer.All(t => t.Name != input.Name);

    private static TritonTensor Tensor(string path, ValueInfoProto value, string? labels)
    {
        var type = value.Type?.TensorType ?? throw new InvalidDataException($"{path}: {value.Name} is not a tensor");
        var dims = type.Shape?.Dim ?? throw new InvalidDataException($"{path}: {value.Name} has no shape");
        if (dims.Count == 0 || dims[0].ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam)
        {
            var first = dims.Count == 0 ? "no dimensions" : $"a fixed first dimension of {dims[0].DimValue}";
            throw new InvalidDataException($"{path}: {value.Name} has {first}; Triton's max_batch_size needs a dynamic batch dimension (export with --batch dynamic)");
        }
        var rest = dims.Skip(1).Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : -1L).ToList();
        return rest.Count == 0
            ? new TritonTensor(value.Name, DataType(path, value.Name, type.ElemType), [1], [], labels)
            : new TritonTensor(value.Name, DataType(path, value.Name, type.ElemType), rest, null, labels);
    }

    private static string DataType(string path, string name, int elemType) => (TensorProto.Types.DataType)elemType switch
    {
        TensorProto.Types.DataType.Float => "TYPE_FP32",
        TensorProto.Types.DataType.Float16 => "TYPE_FP16",
        TensorProto.Types.DataType.Double => "TYPE_FP64",
        TensorProto.Types.DataType.Int32 => "TYPE_INT32",
        TensorProto.Types.DataType.Int64 => "TYPE_INT64",
        TensorProto.Types.DataType.Int8 => "TYPE_INT8",
        TensorProto.Types.DataType.Uint8 => "TYPE_UINT8",
        TensorProto.Types.DataType.Bool => "TYPE_BOOL",
        var other => throw new InvalidDataException($"{path}: {name} holds {other}, which SsdLite does not map to a Triton data type"),
    };

    private static IReadOnlyList<string> ClassNames(string path, ModelProto model)
    {
        var entry = model.MetadataProps.FirstOrDefault(p => p.Key == OnnxConventions.ClassNamesKey)
            ?? throw new InvalidDataException($"{path}: no {OnnxConventions.ClassNamesKey} metadata (not an SsdLite export)");
        return JsonSerializer.Deserialize<string[]>(entry.Value)
            ?? throw new InvalidDataException($"{path}: its {OnnxConventions.ClassNamesKey} metadata is not a JSON list of names");
    }
}
