namespace SsdLite.Export.Quantization;

/// <summary>How <see cref="Int8OnnxExporter"/> calibrates and quantises a model.</summary>
public sealed record Int8ExportOptions
{
    /// <summary>The calibration images taken when none is asked for: ONNX Runtime's docs suggest a few hundred at most, and 100 covers the demo's ranges.</summary>
    public const int DefaultImageCount = 100;

    /// <summary>The lowest opset: per-channel DequantizeLinear (its axis attribute) came with opset 13.</summary>
    public const int MinOpset = 13;

    /// <summary>Image files and folders (searched recursively for image files) to calibrate on; training images, not the test split.</summary>
    public IReadOnlyList<string> CalibrationPaths { get; init; } = [];

    /// <summary>
    /// How many images to use, spread evenly over the sorted list; null: <see cref="DefaultImageCount"/> or all there are
    /// if fewer. A number larger than the readable images found is an error.
    /// </summary>
    public int? ImageCount { get; init; }

    /// <summary>How each activation range is taken from the calibration outputs: min/max (the default) or a percentile histogram.</summary>
    public CalibrationMethod Method { get; init; } = CalibrationMethod.MinMax;

    /// <summary>The percentile kept at each end by <see cref="CalibrationMethod.Percentile"/> (ONNX Runtime's default, 99.999).</summary>
    public double Percentile { get; init; } = 99.999;

    /// <exception cref="ArgumentException">no calibration path, a non-positive image count or a percentile outside (50, 100]</exception>
    public void Validate()
    {
        if (CalibrationPaths.Count == 0) throw new ArgumentException("int8 export needs calibration images (--calibration PATH ...)");
        if (ImageCount is < 1) throw new ArgumentException($"the calibration image count must be positive, got {ImageCount}");
        if (Percentile is <= 50 or > 100 || double.IsNaN(Percentile))
            throw new ArgumentException($"the calibration percentile must be in (50, 100], got {Percentile}");
    }
}
