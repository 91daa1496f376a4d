using System.Globalization;
using ScottPlot;
using SsdLite.Tools.Training;

namespace SsdLite.Tools.Plots;

/// <summary>
/// runs/NAME/training_curves.png, redrawn after every epoch from metrics.csv (as Ultralytics' results.png):
/// the three losses, the learning rate, and validation mAP@0.5 against the epoch.
/// </summary>
public static class TrainingCurvesPlot
{
    public const string FileName = "training_curves.png";
    public const int Width = 1200;
    public const int Height = 800;

    public static void Write(string path, IReadOnlyList<EpochMetrics> rows)
    {
        var epochs = rows.Select(r => (double)r.Epoch).ToArray();
        var multiplot = new ScottPlot.Multiplot();
        multiplot.AddPlots(4);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(2, 2);
        var plots = multiplot.GetPlots();
        Panel(plots[0], "loss", epochs, [("total", rows.Select(r => r.Loss)), ("regression", rows.Select(r => r.Regression)), ("classification", rows.Select(r => r.Classification))]);
        Panel(plots[1], "learning rate (end of epoch)", epochs, [("lr", rows.Select(r => r.LearningRate))]);
        var validated = rows.Where(r => r.ValidationMap is not null).ToList();
        Panel(plots[2], "validation mAP@0.5", validated.Select(r => (double)r.Epoch).ToArray(), [("mAP", validated.Select(r => r.ValidationMap!.Value))]);
        Panel(plots[3], "training images/s", epochs, [("images/s", rows.Select(r => r.ImagesPerSecond))]);
        PlotFiles.WritePng(path, multiplot.Render(Width, Height));
        foreach (var p in plots) p.Dispose();
    }

    /// <summary>Reads metrics.csv back (the file is the record; the plot is redrawn from it, so a resumed run continues it).</summary>
    public static IReadOnlyList<EpochMetrics> ReadCsv(string path)
    {
        var rows = new List<EpochMetrics>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var f = line.Split(',');
            if (f.Length < 9) continue;
            rows.Add(new EpochMetrics(int.Parse(f[0], CultureInfo.InvariantCulture), long.Parse(f[1], CultureInfo.InvariantCulture),
                D(f[2]), D(f[3]), D(f[4]), D(f[5]), D(f[6]), D(f[7]), f[8].Length == 0 ? null : D(f[8])));
        }
        return rows;

        static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);
    }

    private static void Panel(ScottPlot.Plot plot, string title, double[] xs, (string Name, IEnumerable<double> Ys)[] series)
    {
        PlotFonts.Apply(plot);
        for (var i = 0; i < series.Length; i++)
        {
            var ys = series[i].Ys.ToArray();
            if (ys.Length == 0) continue;
            var line = plot.Add.Scatter(xs, ys, Colors.Of(i));
            line.LegendText = series[i].Name;
        }
        plot.Title(title);
        plot.XLabel("epoch");
        if (series.Length > 1) plot.ShowLegend();
    }
}
