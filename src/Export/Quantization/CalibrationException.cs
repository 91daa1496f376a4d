namespace SsdLite.Export.Quantization;

/// <summary>
/// Calibration input that cannot calibrate (a missing path, a folder without images, fewer readable images than
/// asked); the message names the paths. An <see cref="ArgumentException"/>: the command line gave it.
/// </summary>
public sealed class CalibrationException : ArgumentException
{
    /// <summary>A refusal whose message names the path and the problem.</summary>
    public CalibrationException(string message)
        : base(message)
    {
    }

    /// <summary>A refusal caused by <paramref name="inner"/> (an unreadable image, say).</summary>
    public CalibrationException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
