using System.Globalization;
using SsdLite.Runtime;
using SsdLite.Vision;

namespace SsdLite.Serving;

/// <summary>The answer for <c>Accept: image/png</c> or <c>image/jpeg</c>: the image with each box and "label score" drawn.</summary>
internal static class BoxPainter
{
    // The same colours per class as detect's drawings and the page (Page/index.html), class 1 first.
    private static readonly Rgb[] Colors =
    [
        new(230, 25, 75), new(60, 180, 75), new(0, 130, 200), new(245, 130, 48), new(145, 30, 180), new(70, 240, 240),
        new(240, 50, 230), new(210, 245, 60), new(250, 190, 190), new(0, 128, 128), new(170, 110, 40), new(128, 0, 0),
    ];

    public static byte[] Encode(Image image, IReadOnlyList<DetectedObject> detections, string extension)
    {
        foreach (var d in detections.Reverse())
        {
            var label = string.Create(CultureInfo.InvariantCulture, $"{d.Label ?? d.ClassId.ToString(CultureInfo.InvariantCulture)} {d.Score:0.00}");
            image.DrawBox(d.Box.XMin, d.Box.YMin, d.Box.XMax, d.Box.YMax, Colors[(d.ClassId - 1 + Colors.Length) % Colors.Length], 2, label);
        }
        return ImageIO.Encode(image, extension);
    }
}
