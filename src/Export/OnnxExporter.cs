using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Onnx;
using SsdLite.Core;
using SsdLite.Detection.Models;
using SsdLite.Runtime;
using SsdLite.Vision;

namespace SsdLite.Export;

/// <summary>
/// Exports a detector to ONNX with the reference's conventions (<see cref="OnnxConventions"/>): the BatchNorm-folded
/// network, softmax scores, and boxes decoded against the priors held as constants. The file and labels.txt beside it
/// are written atomically.
/// </summary>
public static class OnnxExporter
{
    /// <summary>The class-name file written beside the model.</summary>
    public const string LabelsFileName = "labels.txt";

    /// <summary>Writes <paramref name="model"/> (unchanged, and still the caller's) to <paramref name="path"/>.</summary>
    public static OnnxExportResult Export(SsdLiteModel model, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new OnnxExportOptions();
        var (proto, config, priorCount) = Build(model, options);
        return Write(proto, config, priorCount, path, options);
    }

    /// <summary>The float graph of <paramref name="model"/> with its metadata, not yet written.</summary>
    internal static (ModelProto Proto, SsdLiteConfig Config, int PriorCount) Build(SsdLiteModel model, OnnxExportOptions options)
    {
        options.Validate();
        var config = AtInputSize(model.Config, options.InputSize ?? model.Config.InputSize);
        var priors = Priors(config);
        using var folded = BatchNormFolding.Fold(model);
        var graph = DetectorGraph.Build(folded, config.InputSize, options.BatchSize, priors, new BoxCoder(config.Priors), $"ssdlite-{config.Arch.Name()}");
        var proto = Model(graph, config, options);
        if (options.Nms is { } nms) AppendNms(proto, nms, priors.Length / 4, config.ClassCountWithBackground, options.BatchSize);
        return (proto, config, priors.Length / 4);
    }

    /// <summary>Ends <paramref name="proto"/>'s graph in detect's post-processing and records its settings in the metadata.</summary>
    internal static void AppendNms(ModelProto proto, NmsExportOptions nms, int priorCount, int classCount, int? batch)
    {
        NmsGraph.Append(proto.Graph, nms, priorCount, classCount, batch);
        Meta(proto, OnnxConventions.NmsKey, nms.ToJson());
    }

    /// <summary>Writes <paramref name="proto"/> atomically, and labels.txt beside it when the options ask.</summary>
    internal static OnnxExportResult Write(ModelProto proto, SsdLiteConfig config, int priorCount, string path, OnnxExportOptions options)
    {
        AtomicFile.Write(path, proto.WriteTo);
        string? labelsPath = null;
        if (options.WriteLabels)
        {
            labelsPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, LabelsFileName);
            AtomicFile.WriteAllText(labelsPath, string.Join('\n', ClassLabels.WithBackground(config.ClassNames)) + "\n");
        }
        return new OnnxExportResult(path, labelsPath, options.Opset, config.InputSize, options.BatchSize, priorCount, config.ClassCountWithBackground,
            new FileInfo(path).Length);
    }

    /// <summary>
    /// The model as ONNX bytes in memory, as <see cref="Export"/> would write them (no labels file: the class names are
    /// in the model's metadata). What <c>ssdlite serve</c> runs when it is given a checkpoint.
    /// </summary>
    public static byte[] ToBytes(SsdLiteModel model, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Build(model, options ?? new OnnxExportOptions()).Proto.ToByteArray();
    }

    /// <summary>The same network and priors for another input side (the network is fully convolutional; priors follow the side).</summary>
    public static SsdLiteConfig AtInputSize(SsdLiteConfig config, int inputSize)
    {
        ArgumentNullException.ThrowIfNull(config);
        return inputSize == config.InputSize ? config
            : new SsdLiteConfig(config.ClassNames, config.Width, inputSize, config.Rounding, config.Priors, config.Arch);
    }

    private static float[] Priors(SsdLiteConfig config)
    {
        try
        {
            return config.GeneratePriors();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentException($"input size {config.InputSize} is too small for {config.Arch.Name()}: a feature map would be empty ({e.Message})", e);
        }
    }

    private static ModelProto Model(GraphProto graph, SsdLiteConfig config, OnnxExportOptions options)
    {
        var model = new ModelProto
        {
            IrVersion = options.IrVersion,
            ProducerName = "ssdlite",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
            DocString = config.ToString() + ", BatchNorm folded; input (x - 127) / 128 RGB; outputs softmax scores and corner boxes relative to the input",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = options.Opset });
        Meta(model, OnnxConventions.ClassNamesKey, JsonSerializer.Serialize(config.ClassNames));
        Meta(model, OnnxConventions.InputSizeKey, config.InputSize.ToString(CultureInfo.InvariantCulture));
        Meta(model, OnnxConventions.ArchKey, config.Arch.Name());
        Meta(model, OnnxConventions.WidthKey, config.Width.ToString("R", CultureInfo.InvariantCulture));
        Meta(model, OnnxConventions.NormalizationKey, "(x - 127) / 128, RGB, CHW");
        return model;
    }

    private static void Meta(ModelProto model, string key, string value) =>
        model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
}
