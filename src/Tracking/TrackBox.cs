namespace SsdLite.Tracking;

/// <summary>A box to track: corners in pixels and the detector's score.</summary>
/// <param name="XMin">Left.</param>
/// <param name="YMin">Top.</param>
/// <param name="XMax">Right.</param>
/// <param name="YMax">Bottom.</param>
/// <param name="Score">Confidence in [0, 1].</param>
public readonly record struct TrackBox(float XMin, float YMin, float XMax, float YMax, float Score)
{
    /// <summary>Intersection over union of two corner boxes (continuous coordinates: no +1 pixel areas); 0 when either is empty.</summary>
    public static double Iou(double ax0, double ay0, double ax1, double ay1, double bx0, double by0, double bx1, double by1)
    {
        var iw = Math.Min(ax1, bx1) - Math.Max(ax0, bx0);
        var ih = Math.Min(ay1, by1) - Math.Max(ay0, by0);
        if (iw <= 0 || ih <= 0) return 0;
        var inter = iw * ih;
        var union = ((ax1 - ax0) * (ay1 - ay0)) + ((bx1 - bx0) * (by1 - by0)) - inter;
        return union > 0 ? inter / union : 0;
    }
}
