using System.Globalization;

namespace SsdLite.Export;

/// <summary>
/// The post-processing an NMS export bakes into its graph, with <c>ssdlite detect</c>'s defaults: per object class,
/// scores above <see cref="ScoreThreshold"/>, the best <see cref="CandidateSize"/>, hard NMS at
/// <see cref="IouThreshold"/>, at most <see cref="TopK"/> per class; then the best <see cref="MaxDetections"/> of all
/// classes by score.
/// </summary>
public sealed record NmsExportOptions
{
    /// <summary>A class score must be greater than this (detect's default, 0.4).</summary>
    public float ScoreThreshold { get; init; } = 0.4f;

    /// <summary>NMS drops a box whose IoU with a kept one is greater than this (0.45).</summary>
    public float IouThreshold { get; init; } = 0.45f;

    /// <summary>Candidates per class before NMS, the best by score (200); &lt;= 0 for all.</summary>
    public int CandidateSize { get; init; } = 200;

    /// <summary>Detections kept per class (-1: no limit), as detect's --top-k.</summary>
    public int TopK { get; init; } = -1;

    /// <summary>K: the detections per image the outputs hold (100, as EfficientNMS and the TF detection API).</summary>
    public int MaxDetections { get; init; } = 100;

    /// <exception cref="ArgumentOutOfRangeException">a threshold outside [0, 1) or a non-positive K</exception>
    public void Validate()
    {
        if (ScoreThreshold is < 0 or >= 1 || float.IsNaN(ScoreThreshold))
            throw new ArgumentOutOfRangeException(nameof(ScoreThreshold), ScoreThreshold, "--score-threshold must be in [0, 1)");
        if (IouThreshold is < 0 or > 1 || float.IsNaN(IouThreshold))
            throw new ArgumentOutOfRangeException(nameof(IouThreshold), IouThreshold, "--iou-threshold must be in [0, 1]");
        if (MaxDetections < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxDetections), MaxDetections, "--max-detections must be positive");
    }

    /// <summary>The metadata value (<c>nms</c>): these settings as JSON.</summary>
    public string ToJson() => string.Create(CultureInfo.InvariantCulture,
        $"{{\"score_threshold\":{ScoreThreshold:R},\"iou_threshold\":{IouThreshold:R},\"candidate_size\":{CandidateSize},\"top_k\":{TopK},\"max_detections\":{MaxDetections}}}");
}
