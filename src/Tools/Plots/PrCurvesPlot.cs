using SsdLite.Tools.Evaluation;

namespace SsdLite.Tools.Plots;

/// <summary>All classes' precision-recall curves on one chart, with each class's AP in the legend.</summary>
public static class PrCurvesPlot
{
    public const int Width = 800;
    public const int Height = 560;

    public static void Write(string path, IReadOnlyList<PrCurve> curves, IReadOnlyDictionary<string, double> averagePrecision, string title)
    {
        using var plot = new ScottPlot.Plot();
        PlotFonts.Apply(plot);
        for (var c = 0; c < curves.Count; c++)
        {
            var curve = curves[c];
            // A class without detections has an empty curve; one point at the origin keeps its legend entry.
            var recall = curve.Recall.Length == 0 ? [0.0] : curve.Recall;
            var precision = curve.Precision.Length == 0 ? [0.0] : curve.Precision;
            var line = plot.Add.ScatterLine(recall, precision, Colors.Of(c));
            line.LineWidth = 2;
            var ap = averagePrecision.TryGetValue(curve.Name, out var v) ? FormattableString.Invariant($" {v:F3}") : "";
            line.LegendText = curve.Name + ap;
        }
        plot.Axes.SetLimits(0, 1, 0, 1.02);
        plot.Title(title);
        plot.XLabel("recall");
        plot.YLabel("precision");
        plot.ShowLegend(ScottPlot.Edge.Right);
        PlotFiles.WritePng(path, plot.GetImage(Width, Height));
    }
}
