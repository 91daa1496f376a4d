namespace SsdLite.Export.Quantization;

/// <summary>How calibration turns the values an activation took into the range its 8-bit encoding covers.</summary>
public enum CalibrationMethod
{
    /// <summary>The smallest and largest value seen over the calibration images (ONNX Runtime's default).</summary>
    MinMax,

    /// <summary>
    /// The <see cref="Int8ExportOptions.Percentile"/>-th percentile at each end of a 2048-bin histogram, so that a few
    /// outliers do not widen every other value's step. The heads' outputs keep their min/max: clipping them would
    /// flatten the highest scores, the detections themselves.
    /// </summary>
    Percentile,
}
