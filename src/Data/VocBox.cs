namespace SsdLite.Data;

/// <summary>
/// An axis-aligned box in image pixels, 0-based: a VOC annotation's 1-based inclusive coordinates minus 1
/// on all four sides, converted once when the annotation is read (as the reference reads them). So a box
/// written <c>&lt;xmin&gt;1&lt;/xmin&gt;…&lt;xmax&gt;500&lt;/xmax&gt;</c> in a 500 pixel wide image is
/// <c>XMin = 0, XMax = 499</c> here. Detections and evaluation use the same convention.
/// </summary>
public readonly record struct VocBox(float XMin, float YMin, float XMax, float YMax)
{
    /// <summary>Width in the continuous sense the detector uses (<c>XMax - XMin</c>).</summary>
    public float Width => XMax - XMin;

    /// <summary>Height in the continuous sense the detector uses (<c>YMax - YMin</c>).</summary>
    public float Height => YMax - YMin;
}
