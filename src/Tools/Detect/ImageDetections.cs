using SsdLite.Detection;
using SsdLite.Runtime;
using SsdLite.Vision;

namespace SsdLite.Tools.Detect;

/// <summary>
/// One image's entry in <c>detect</c>'s output: its detections, or, for an image that could not be read, the
/// message that says why (<see cref="Error"/>; width, height and detections are then empty). A video frame's entry also
/// carries its <see cref="Frame"/> index and presentation <see cref="Time"/>, and with <c>--track</c> a track id per detection.
/// </summary>
public sealed record ImageDetections(string Image, int Width, int Height, IReadOnlyList<DetectedObject> Detections, string? Error = null)
{
    public bool Failed => Error is not null;

    /// <summary>The frame's 0-based index in its video, or null for an image.</summary>
    public long? Frame { get; init; }

    /// <summary>The frame's presentation time in seconds, or null for an image.</summary>
    public double? Time { get; init; }

    /// <summary>With tracking: per detection, its track id (null where no confirmed track holds it); else null.</summary>
    public IReadOnlyList<int?>? TrackIds { get; init; }

    public static ImageDetections Unreadable(string image, string error) => new(image, 0, 0, [], error);
}
