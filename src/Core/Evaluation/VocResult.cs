namespace SsdLite.Core.Evaluation;

/// <summary>
/// The outcome of a VOC evaluation: AP per class id (only classes with at least one non-difficult ground
/// truth), their mean, and how many images were evaluated.
/// </summary>
public sealed record VocResult(
    VocMetric Metric,
    float IouThreshold,
    IReadOnlyDictionary<int, double> AveragePrecision,
    double MeanAveragePrecision,
    int ImageCount);
