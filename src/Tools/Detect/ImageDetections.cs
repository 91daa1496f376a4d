using SsdLite.Detection;
using SsdLite.Runtime;
using SsdLite.Vision;

namespace SsdLite.Tools.Detect;

/// <summary>
/// One image's entry in <c>detect</c>'s output: its detections, or, for an image that could not be read, the
/// message that says why (<see cref="Error"/>; width, height and detections are then empty).
/// </summary>
public sealed record ImageDetections(string Image, int Width, int Height, IReadOnlyList<DetectedObject> Detections, string? Error = null)
{
    public bool Failed => Error is not null;

    public static ImageDetections Unreadable(string image, string error) => new(image, 0, 0, [], error);
}
