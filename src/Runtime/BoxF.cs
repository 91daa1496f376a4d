namespace SsdLite.Runtime;

/// <summary>An axis-aligned box in corner form (x to the right, y down).</summary>
public readonly record struct BoxF(float XMin, float YMin, float XMax, float YMax)
{
    /// <summary>XMax - XMin.</summary>
    public float Width => XMax - XMin;

    /// <summary>YMax - YMin.</summary>
    public float Height => YMax - YMin;
}
