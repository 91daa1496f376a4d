using SsdLite.Tools.Evaluation;

namespace SsdLite.Tools.Plots;

/// <summary>The class palette (the colours boxes are drawn in) as ScottPlot colours.</summary>
internal static class Colors
{
    public static ScottPlot.Color Of(int index)
    {
        var c = Palette.Of(index);
        return new ScottPlot.Color(c.R, c.G, c.B);
    }
}
