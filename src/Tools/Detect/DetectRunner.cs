using System.Globalization;
using SsdLite.Detection;
using SsdLite.Runtime;
using SsdLite.Tools.Evaluation;
using SsdLite.Vision;

namespace SsdLite.Tools.Detect;

/// <summary>What <c>detect</c> draws on an image.</summary>
public static class DetectRunner
{
    /// <summary>The image with each detection's box and "label score".</summary>
    public static Image Draw(Image image, IReadOnlyList<DetectedObject> detections)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(detections);
        var drawn = image.Clone();
        foreach (var d in detections.Reverse())
        {
            var label = string.Create(CultureInfo.InvariantCulture, $"{d.Label ?? d.ClassId.ToString(CultureInfo.InvariantCulture)} {d.Score:0.00}");
            drawn.DrawBox(d.Box.XMin, d.Box.YMin, d.Box.XMax, d.Box.YMax, Palette.Of(d.ClassId - 1), 2, label);
        }
        return drawn;
    }
}
