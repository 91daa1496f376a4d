namespace SsdLite.Core.Evaluation;

/// <summary>
/// COCO's twelve bbox summary numbers, in COCOeval's <c>stats</c> order, plus AP@[.5:.95] per category. A number
/// with nothing to average (no ground truth in that area range, say) is -1, as COCOeval prints it.
/// </summary>
public sealed class CocoResult
{
    /// <summary>The names of <see cref="Stats"/>, in order, as the console and the JSON write them.</summary>
    public static IReadOnlyList<string> StatNames { get; } =
    [
        "AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl",
    ];

    /// <summary>Creates a result.</summary>
    public CocoResult(IReadOnlyList<double> stats, IReadOnlyDictionary<int, double> perCategory, int imageCount)
    {
        ArgumentNullException.ThrowIfNull(stats);
        ArgumentNullException.ThrowIfNull(perCategory);
        if (stats.Count != StatNames.Count) throw new ArgumentException($"expected {StatNames.Count} stats, got {stats.Count}", nameof(stats));
        Stats = stats;
        PerCategory = perCategory;
        ImageCount = imageCount;
    }

    /// <summary>AP, AP50, AP75, AP small/medium/large, AR@1/10/100, AR small/medium/large.</summary>
    public IReadOnlyList<double> Stats { get; }

    /// <summary>AP@[.5:.95] (all areas, 100 detections) per category id with ground truth; others are left out.</summary>
    public IReadOnlyDictionary<int, double> PerCategory { get; }

    /// <summary>The number of images evaluated.</summary>
    public int ImageCount { get; }

    /// <summary>AP@[.5:.95], the headline number.</summary>
    public double AveragePrecision => Stats[0];
}
