using SkiaSharp;

namespace SsdLite.Vision;

/// <summary>
/// A TrueType/OpenType font for the text <see cref="PixelCanvas"/> draws. SkiaSharp's dependency-free Linux build has
/// no fontconfig and finds no font by family name, so the font is either the file <see cref="EnvironmentVariable"/>
/// names or DejaVu Sans, embedded in this assembly (its licence, Fonts/DejaVu-LICENSE.txt, is in the package): labels
/// are drawn the same on every machine, with no search of the disk.
/// </summary>
public sealed class PixelFont
{
    /// <summary>Names a font file to use instead of the embedded DejaVu Sans.</summary>
    public const string EnvironmentVariable = "SSDLITE_FONT";

    private const string EmbeddedResource = "SsdLite.Vision.DejaVuSans.ttf";

    // Cap height of OpenCV's Hershey simplex font at scale 1 (its getTextSize height, less the stroke).
    private const float HersheyCapHeight = 21f;

    private static readonly Lazy<PixelFont> EmbeddedFont = new(LoadEmbedded);
    private static readonly Lazy<PixelFont> Chosen = new(Choose);

    private PixelFont(string source, SKTypeface typeface)
    {
        Source = source;
        Typeface = typeface;
        using var probe = new SKFont(typeface, 100f, 1f, 0f);
        float cap = Math.Abs(probe.Metrics.CapHeight);
        CapHeightPerPixel = cap > 1f && cap < 100f ? cap / 100f : 0.7f;
    }

    /// <summary>The font of this process: the file <see cref="EnvironmentVariable"/> names when it loads, else <see cref="Embedded"/>.</summary>
    public static PixelFont Default => Chosen.Value;

    /// <summary>DejaVu Sans, from this assembly's resources.</summary>
    public static PixelFont Embedded => EmbeddedFont.Value;

    /// <summary>Where the font came from: a file path, or "DejaVuSans.ttf (embedded)".</summary>
    public string Source { get; }

    /// <summary>The typeface, for SkiaSharp drawing outside the canvas (plots).</summary>
    public SKTypeface Typeface { get; }

    /// <summary>Cap height over font size, to size text as OpenCV's Hershey font of the same scale.</summary>
    internal float CapHeightPerPixel { get; }

    /// <summary>Loads a font file; null when the file is missing or not a font SkiaSharp reads.</summary>
    public static PixelFont? FromFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            return null;
        }

        var typeface = SKTypeface.FromFile(path);
        return typeface is null ? null : new PixelFont(Path.GetFullPath(path), typeface);
    }

    /// <summary>The pixel size that gives text the cap height of OpenCV's Hershey font at <paramref name="scale"/>.</summary>
    internal float SizeFor(double scale) => (float)(HersheyCapHeight * scale / CapHeightPerPixel);

    private static PixelFont Choose()
    {
        string? named = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(named))
        {
            return Embedded;
        }

        if (FromFile(named) is { } chosen)
        {
            return chosen;
        }

        // A wrong path must not cost the labels: say so once and draw with the embedded font.
        Console.Error.WriteLine($"warning: {EnvironmentVariable}={named} is not a font file SkiaSharp reads; using the embedded DejaVu Sans");
        return Embedded;
    }

    private static PixelFont LoadEmbedded()
    {
        using var stream = typeof(PixelFont).Assembly.GetManifestResourceStream(EmbeddedResource)
            ?? throw new InvalidOperationException($"the assembly lacks its font resource {EmbeddedResource}");
        using var data = SKData.Create(stream);
        var typeface = SKTypeface.FromData(data)
            ?? throw new InvalidOperationException($"the embedded {EmbeddedResource} is not a font SkiaSharp reads");
        return new PixelFont("DejaVuSans.ttf (embedded)", typeface);
    }
}
