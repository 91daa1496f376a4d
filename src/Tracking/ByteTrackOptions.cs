namespace SsdLite.Tracking;

/// <summary>ByteTrack's settings, with the published defaults (ByteTrack's <c>track_thresh</c>, <c>match_thresh</c>, <c>track_buffer</c>).</summary>
public sealed record ByteTrackOptions
{
    /// <summary>Detections scoring above this are high-score ones (first association, may start tracks).</summary>
    public float HighThreshold { get; init; } = 0.5f;

    /// <summary>Detections scoring above this (and not above <see cref="HighThreshold"/>) are low-score ones (second association only).</summary>
    public float LowThreshold { get; init; } = 0.1f;

    /// <summary>A new track starts from an unmatched high-score detection scoring at least this (ByteTrack: track_thresh + 0.1).</summary>
    public float NewTrackThreshold { get; init; } = 0.6f;

    /// <summary>The first association's cost limit (1 − IoU × score).</summary>
    public double MatchThreshold { get; init; } = 0.8;

    /// <summary>The second association's cost limit (1 − IoU), for the low-score detections.</summary>
    public double SecondMatchThreshold { get; init; } = 0.5;

    /// <summary>The cost limit for tentative (unconfirmed) tracks against the detections left (1 − IoU × score).</summary>
    public double UnconfirmedMatchThreshold { get; init; } = 0.7;

    /// <summary>Frames a lost track is kept for re-identification, at 30 frames/s (scaled by <see cref="FrameRate"/>).</summary>
    public int TrackBuffer { get; init; } = 30;

    /// <summary>The video's frame rate (after any frame stride): the buffer in frames is TrackBuffer × FrameRate / 30.</summary>
    public double FrameRate { get; init; } = 30;

    /// <summary>Weigh the first association's IoU by the detection score (ByteTrack's fuse_score, on outside MOT20).</summary>
    public bool FuseScore { get; init; } = true;

    /// <summary>Frames a lost track lives: ByteTrack's <c>int(frame_rate / 30 * track_buffer)</c>.</summary>
    public int MaxTimeLost => (int)(FrameRate / 30.0 * TrackBuffer);

    /// <summary>Throws on settings out of range.</summary>
    public void Validate()
    {
        if (LowThreshold is < 0 or >= 1 || HighThreshold <= LowThreshold || HighThreshold >= 1)
            throw new ArgumentException($"track thresholds must satisfy 0 <= low < high < 1, got low {LowThreshold}, high {HighThreshold}");
        if (TrackBuffer < 0) throw new ArgumentException($"--track-buffer must be at least 0, got {TrackBuffer}");
        if (!(FrameRate > 0) || !double.IsFinite(FrameRate)) throw new ArgumentException($"the frame rate must be positive, got {FrameRate}");
        foreach (var t in new[] { MatchThreshold, SecondMatchThreshold, UnconfirmedMatchThreshold })
        {
            if (!(t > 0) || t > 1) throw new ArgumentException($"match thresholds must be in (0, 1], got {t}");
        }
    }
}
