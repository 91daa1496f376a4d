namespace SsdLite.Export.Quantization;

/// <summary>
/// Calibration input that cannot calibrate (a missing path, a folder without images, fewer readable images than
/// asked); the message names the paths. An <see cref="ArgumentException"/>: the command line gave it.
/// </summary>
public sealed class CalibrationException : ArgumentException
{
    public CalibrationException(string message)
        : base(message)
    {
    }

    public CalibrationException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
