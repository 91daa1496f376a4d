using SsdLite.Vision;

namespace SsdLite.Tools.Plots;

/// <summary>
/// ScottPlot finds fonts by family name through SkiaSharp, which without fontconfig (the NoDependencies natives)
/// knows none; the font file the image layer found is registered under one name and used for every plot.
/// </summary>
internal static class PlotFonts
{
    private const string Family = "SsdLite Sans";
    private static readonly Lazy<bool> Registered = new(Register);

    /// <summary>Sets the plot's font; false when no font file exists (the plot then has lines but no text).</summary>
    public static bool Apply(ScottPlot.Plot plot)
    {
        if (!Registered.Value) return false;
        plot.Font.Set(Family);
        return true;
    }

    private static bool Register()
    {
        if (PixelFont.Default is not { } font) return false;
        ScottPlot.Fonts.AddFontFile(Family, font.Path);
        return true;
    }
}
