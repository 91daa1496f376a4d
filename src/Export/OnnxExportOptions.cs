namespace SsdLite.Export;

/// <summary>How <see cref="OnnxExporter"/> writes a model.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>The lowest opset the graph can use (Clip takes its bounds as inputs from 11 on).</summary>
    public const int MinOpset = 11;

    /// <summary>The highest opset written (ONNX 1.16's, IR version 10; ONNX Runtime 1.31 runs it).</summary>
    public const int MaxOpset = 21;

    /// <summary>17: what ONNX Runtime, TensorRT 8.6 and later and OpenCV 4.8's dnn module read.</summary>
    public const int DefaultOpset = 17;

    /// <summary>The ONNX opset the graph is written for (11..21).</summary>
    public int Opset { get; init; } = DefaultOpset;

    /// <summary>The input side in pixels; null for the model's own.</summary>
    public int? InputSize { get; init; }

    /// <summary>A fixed batch size; null for a dynamic batch dimension.</summary>
    public int? BatchSize { get; init; }

    /// <summary>
    /// Non-null: the graph goes on to detect's post-processing (ONNX NonMaxSuppression) and also has the outputs
    /// num_detections, detection_boxes, detection_scores and detection_classes.
    /// </summary>
    public NmsExportOptions? Nms { get; init; }

    /// <summary>Also write labels.txt (BACKGROUND, then one class name a line) beside the model.</summary>
    public bool WriteLabels { get; init; } = true;

    /// <summary>The IR version that goes with <see cref="Opset"/>, as the ONNX releases paired them.</summary>
    public long IrVersion => Opset switch
    {
        11 => 6,
        <= 14 => 7,
        <= 18 => 8,
        <= 20 => 9,
        _ => 10,
    };

    /// <exception cref="ArgumentOutOfRangeException">an opset, input size or batch size out of range</exception>
    public void Validate()
    {
        if (Opset is < MinOpset or > MaxOpset)
            throw new ArgumentOutOfRangeException(nameof(Opset), Opset, $"opset must be {MinOpset}..{MaxOpset}");
        if (InputSize is < 32)
            throw new ArgumentOutOfRangeException(nameof(InputSize), InputSize, "input size must be at least 32");
        if (BatchSize is < 1)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "batch size must be positive (or dynamic)");
        Nms?.Validate();
    }
}
