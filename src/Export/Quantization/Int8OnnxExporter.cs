using System.Globalization;
using Onnx;
using SsdLite.Detection.Models;
using SsdLite.Runtime;

namespace SsdLite.Export.Quantization;

/// <summary>What <see cref="Int8OnnxExporter.Export"/> wrote and what calibration read.</summary>
public sealed record Int8ExportResult(OnnxExportResult Model, int CalibrationImages, IReadOnlyList<string> SkippedImages, int QuantizedConvs,
    int QuantizedTensors);

/// <summary>
/// Exports a detector as a calibrated int8 QDQ ONNX model that ONNX Runtime's CPU execution provider runs with
/// integer kernels (QLinearConv, QLinearAdd): the float export (<see cref="OnnxExporter"/>), calibrated over images
/// prepared by the test transform, then rewritten with QuantizeLinear/DequantizeLinear pairs. Softmax and box decoding
/// stay float. The input and outputs are the float export's (<see cref="OnnxConventions"/>), so any reader of the
/// float model runs this one; its metadata says it is int8 (<see cref="OnnxConventions.QuantizationKey"/>).
/// Nothing is written unless calibration succeeds.
/// </summary>
public static class Int8OnnxExporter
{
    /// <exception cref="CalibrationException">calibration paths without enough readable images</exception>
    /// <exception cref="ArgumentException">options out of range</exception>
    public static Int8ExportResult Export(SsdLiteModel model, string path, Int8ExportOptions int8, OnnxExportOptions? options = null,
        Action<CalibrationProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(int8);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new OnnxExportOptions();
        Validate(options, int8);
        var candidates = CalibrationImages.Find(int8.CalibrationPaths);
        var count = ImageCount(int8, candidates.Count);
        var (proto, config, priorCount) = OnnxExporter.Build(model, options with { BatchSize = null, Nms = null });
        var plan = QdqPlan.For(proto.Graph);
        var calibration = Calibrator.Run(proto, plan, candidates, count, config.InputSize, int8, progress);
        var encodings = QdqRewriter.Encodings(plan, calibration.Ranges);
        var graph = QdqRewriter.Rewrite(proto.Graph, plan, encodings);
        proto.Graph = graph;
        if (options.Nms is { } nms) OnnxExporter.AppendNms(proto, nms, priorCount, config.ClassCountWithBackground, batch: null);
        if (options.BatchSize is { } batch) FixBatch(proto.Graph, batch);
        Describe(proto, int8, calibration.Images.Count);
        var written = OnnxExporter.Write(proto, config, priorCount, path, options);
        return new Int8ExportResult(written, calibration.Images.Count, calibration.Skipped, plan.Convs.Count, plan.Tensors.Count);
    }

    /// <summary>The metadata value of an int8 export (<see cref="OnnxConventions.QuantizationKey"/>).</summary>
    public static string QuantizationDescription(Int8ExportOptions int8, int images)
    {
        ArgumentNullException.ThrowIfNull(int8);
        var method = int8.Method == CalibrationMethod.Percentile
            ? string.Create(CultureInfo.InvariantCulture, $"percentile {int8.Percentile}")
            : "minmax";
        return $"int8 QDQ: weights s8 per output channel (axis 0, zero point 0), activations u8 per tensor, biases int32; " +
            $"calibrated ({method}) on {images} images; softmax and box decoding in float";
    }

    private static void Validate(OnnxExportOptions options, Int8ExportOptions int8)
    {
        options.Validate();
        int8.Validate();
        if (options.Opset < Int8ExportOptions.MinOpset)
            throw new ArgumentException($"an int8 export needs opset {Int8ExportOptions.MinOpset} or later (per-channel DequantizeLinear), got {options.Opset}");
    }

    private static int ImageCount(Int8ExportOptions int8, int found)
    {
        if (int8.ImageCount is not { } asked) return Math.Min(Int8ExportOptions.DefaultImageCount, found);
        if (asked > found)
        {
            throw new CalibrationException($"{asked} calibration images asked for, but {string.Join(", ", int8.CalibrationPaths)} " +
                $"hold{(int8.CalibrationPaths.Count == 1 ? "s" : "")} only {found} image files");
        }
        return asked;
    }

    // Calibration runs one image at a time on a dynamic batch; a fixed batch goes back into the graph's signature after.
    private static void FixBatch(GraphProto graph, int batch)
    {
        foreach (var value in graph.Input.Concat(graph.Output))
        {
            var first = value.Type.TensorType.Shape.Dim[0];
            first.DimValue = batch;
        }
    }

    private static void Describe(ModelProto proto, Int8ExportOptions int8, int images)
    {
        var description = QuantizationDescription(int8, images);
        proto.MetadataProps.Add(new StringStringEntryProto { Key = OnnxConventions.QuantizationKey, Value = description });
        proto.DocString += "; " + description;
    }
}
