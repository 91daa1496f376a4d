namespace SsdLite.Data;

/// <summary>
/// One object for the augmentations: a box in corner form (pixels, or [0, 1] after <see cref="BoxOps.ToRelative"/>)
/// with its class and difficult flag, which therefore stay in step with the box through every transform.
/// </summary>
public readonly record struct BoxLabel(float XMin, float YMin, float XMax, float YMax, int Label, bool Difficult = false)
{
    /// <summary>XMax - XMin.</summary>
    public float Width => XMax - XMin;

    /// <summary>YMax - YMin.</summary>
    public float Height => YMax - YMin;

    /// <summary>Width × height, 0 for an empty box.</summary>
    public float Area => Math.Max(0f, Width) * Math.Max(0f, Height);

    /// <summary>The horizontal centre.</summary>
    public float CenterX => (XMin + XMax) * 0.5f;

    /// <summary>The vertical centre.</summary>
    public float CenterY => (YMin + YMax) * 0.5f;

    /// <summary>The box moved by (<paramref name="dx"/>, <paramref name="dy"/>).</summary>
    public BoxLabel Offset(float dx, float dy) => this with { XMin = XMin + dx, YMin = YMin + dy, XMax = XMax + dx, YMax = YMax + dy };
}

/// <summary>Box arithmetic the augmentations share.</summary>
public static class BoxOps
{
    /// <summary>Intersection over union of a box with a rectangle, plain (no +1) areas.</summary>
    public static float Iou(in BoxLabel box, float xMin, float yMin, float xMax, float yMax)
    {
        float iw = Math.Min(box.XMax, xMax) - Math.Max(box.XMin, xMin);
        float ih = Math.Min(box.YMax, yMax) - Math.Max(box.YMin, yMin);
        if (iw <= 0 || ih <= 0)
        {
            return 0;
        }

        float inter = iw * ih;
        float union = box.Area + ((xMax - xMin) * (yMax - yMin)) - inter;
        return union > 0 ? inter / union : 0;
    }

    /// <summary>
    /// Pixel boxes of a width x height image to [0, 1], clipped to it; boxes left with no area are dropped
    /// (with their labels and flags).
    /// </summary>
    public static BoxLabel[] ToRelative(ReadOnlySpan<BoxLabel> boxes, int width, int height)
    {
        var result = new List<BoxLabel>(boxes.Length);
        foreach (var b in boxes)
        {
            var r = b with
            {
                XMin = Math.Clamp(b.XMin / width, 0f, 1f),
                YMin = Math.Clamp(b.YMin / height, 0f, 1f),
                XMax = Math.Clamp(b.XMax / width, 0f, 1f),
                YMax = Math.Clamp(b.YMax / height, 0f, 1f),
            };
            if (r.XMax > r.XMin && r.YMax > r.YMin)
            {
                result.Add(r);
            }
        }

        return [.. result];
    }
}
