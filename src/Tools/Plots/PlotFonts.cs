using SkiaSharp;
using SsdLite.Vision;

namespace SsdLite.Tools.Plots;

/// <summary>
/// ScottPlot finds fonts by family name through SkiaSharp, which without fontconfig (the NoDependencies natives)
/// knows none; the image layer's font (the embedded DejaVu Sans unless SSDLITE_FONT names another) answers for one
/// family name, used for every plot.
/// </summary>
internal static class PlotFonts
{
    private const string Family = "SsdLite Sans";
    private static readonly Lazy<bool> Registered = new(Register);

    /// <summary>Sets the plot's font.</summary>
    public static void Apply(ScottPlot.Plot plot)
    {
        _ = Registered.Value;
        plot.Font.Set(Family);
    }

    private static bool Register()
    {
        ScottPlot.Fonts.FontResolvers.Insert(0, new Resolver());
        return true;
    }

    private sealed class Resolver : ScottPlot.IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            fontName == Family ? PixelFont.Default.Typeface : null;

        public SKTypeface? CreateTypeface(string fontName, ScottPlot.FontWeight weight, ScottPlot.FontSlant slant, ScottPlot.FontSpacing spacing) =>
            fontName == Family ? PixelFont.Default.Typeface : null;
    }
}
