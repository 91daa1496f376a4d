namespace SsdLite.Export.Quantization;

/// <summary>Where calibration stands: <paramref name="Done"/> of <paramref name="Total"/> images through pass <paramref name="Pass"/> of <paramref name="Passes"/>.</summary>
public readonly record struct CalibrationProgress(int Done, int Total, int Pass, int Passes, string? Skipped = null);
