namespace SsdLite.Vision;

/// <summary>An 8-bit RGB colour.</summary>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    /// <summary>(0, 0, 0).</summary>
    public static Rgb Black => new(0, 0, 0);
    /// <summary>(255, 255, 255).</summary>
    public static Rgb White => new(255, 255, 255);
    /// <summary>(255, 0, 0).</summary>
    public static Rgb Red => new(255, 0, 0);
    /// <summary>(0, 255, 0).</summary>
    public static Rgb Green => new(0, 255, 0);
    /// <summary>(0, 0, 255).</summary>
    public static Rgb Blue => new(0, 0, 255);
    /// <summary>(255, 255, 0).</summary>
    public static Rgb Yellow => new(255, 255, 0);

    /// <summary>Black or white, whichever reads better on this colour (text on a label background).</summary>
    public Rgb Contrasting() => (0.299 * R) + (0.587 * G) + (0.114 * B) > 140 ? Black : White;

    /// <inheritdoc />
    public override string ToString() => $"Rgb({R}, {G}, {B})";
}
