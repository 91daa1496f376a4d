namespace SsdLite.Runtime;

/// <summary>
/// The interface of an exported detector, the reference's ONNX export conventions (the ones jetson-inference reads):
/// input <see cref="InputName"/> float [N, 3, S, S] normalised as the test transform does, outputs
/// <see cref="ScoresName"/> [N, P, C] (softmax, background is class 0) and <see cref="BoxesName"/> [N, P, 4]
/// (corner form, relative to the input). SsdLite adds its own metadata under the keys below.
/// </summary>
public static class OnnxConventions
{
    /// <summary>The input's name: float [N, 3, S, S].</summary>
    public const string InputName = "input_0";

    /// <summary>The class scores' name: float [N, P, C], softmax over C, background first.</summary>
    public const string ScoresName = "scores";

    /// <summary>The boxes' name: float [N, P, 4], corners relative to the input.</summary>
    public const string BoxesName = "boxes";

    /// <summary>Metadata: the object class names (no background) as a JSON array of strings.</summary>
    public const string ClassNamesKey = "class_names";

    /// <summary>Metadata: the input side in pixels, as a decimal integer.</summary>
    public const string InputSizeKey = "input_size";

    /// <summary>Metadata: the architecture's name (mb2-ssd-lite, mb1-ssd-lite, mb1-ssd).</summary>
    public const string ArchKey = "arch";

    /// <summary>Metadata: the width multiplier, invariant culture.</summary>
    public const string WidthKey = "width";

    /// <summary>Metadata: the input normalisation, "(x - 127) / 128, RGB, CHW".</summary>
    public const string NormalizationKey = "normalization";

    /// <summary>
    /// Metadata: present on an int8 export only, describing its quantisation (QDQ, weight and activation types, the
    /// calibration); a float export has no such key.
    /// </summary>
    public const string QuantizationKey = "quantization";

    /// <summary>An NMS export's detection count per image: int32 [N] (TensorRT EfficientNMS's name).</summary>
    public const string NumDetectionsName = "num_detections";

    /// <summary>An NMS export's boxes: float [N, K, 4], xmin, ymin, xmax, ymax relative to the input, rows past the count zero.</summary>
    public const string DetectionBoxesName = "detection_boxes";

    /// <summary>An NMS export's scores: float [N, K], best first, rows past the count zero.</summary>
    public const string DetectionScoresName = "detection_scores";

    /// <summary>An NMS export's class ids: int32 [N, K] (1 is the first object class), rows past the count zero.</summary>
    public const string DetectionClassesName = "detection_classes";

    /// <summary>
    /// Metadata: present on an NMS export only, its post-processing as JSON (score_threshold, iou_threshold,
    /// candidate_size, top_k, max_detections).
    /// </summary>
    public const string NmsKey = "nms";

    /// <summary>The dimension name of a dynamic batch.</summary>
    public const string BatchDimension = "batch";
}
