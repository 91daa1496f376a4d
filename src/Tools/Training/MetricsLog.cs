using System.Globalization;

namespace SsdLite.Tools.Training;

/// <summary>One row of runs/NAME/metrics.csv.</summary>
public sealed record EpochMetrics(int Epoch, long Step, double LearningRate, double Loss, double Regression, double Classification,
    double ImagesPerSecond, double Seconds, double? ValidationMap);

/// <summary>Appends one CSV row per epoch (header on creation), so a resumed run continues the same file.</summary>
public sealed class MetricsLog(string path)
{
    public const string Header = "epoch,step,lr,loss,regression_loss,classification_loss,images_per_s,seconds,val_map";

    public string Path { get; } = path;

    public void Append(EpochMetrics m)
    {
        var isNew = !File.Exists(Path);
        using var w = new StreamWriter(Path, append: true);
        if (isNew) w.WriteLine(Header);
        w.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{m.Epoch},{m.Step},{m.LearningRate:G6},{m.Loss:F5},{m.Regression:F5},{m.Classification:F5},{m.ImagesPerSecond:F2},{m.Seconds:F1},{(m.ValidationMap is { } v ? v.ToString("F5", CultureInfo.InvariantCulture) : "")}"));
    }
}
