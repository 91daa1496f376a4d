using SsdLite.Tools.Evaluation;
using SsdLite.Tools.Plots;
using SsdLite.Tools.Training;
using SsdLite.Vision;

namespace SsdLite.Tools.Tests;

public sealed class PlotTests
{
    // Pixels close to a palette colour (anti-aliased lines blend into the white background at their edges).
    private static int CountNear(Image image, Rgb colour, int x0, int y0, int x1, int y1)
    {
        var n = 0;
        for (var y = y0; y < y1; y++)
        {
            for (var x = x0; x < x1; x++)
            {
                var p = image[x, y];
                if (Math.Abs(p.R - colour.R) + Math.Abs(p.G - colour.G) + Math.Abs(p.B - colour.B) <= 30) n++;
            }
        }
        return n;
    }

    [Fact]
    public void TrainingCurvesDrawEveryPanelFromTheCsv()
    {
        using var folder = new TempFolder("curves");
        var csv = folder["metrics.csv"];
        var log = new MetricsLog(csv);
        for (var e = 1; e <= 5; e++)
        {
            log.Append(new EpochMetrics(e, e * 10, 0.01 / e, 10.0 / e, 4.0 / e, 6.0 / e, 100 + e, e * 60, e % 2 == 0 ? 0.1 * e : null));
        }
        var rows = TrainingCurvesPlot.ReadCsv(csv);
        Assert.Equal(5, rows.Count);
        Assert.Equal(0.2, rows[1].ValidationMap!.Value, 9);
        Assert.Null(rows[0].ValidationMap);

        var png = folder[TrainingCurvesPlot.FileName];
        TrainingCurvesPlot.Write(png, rows);
        var image = ImageIO.Read(png);
        Assert.Equal((TrainingCurvesPlot.Width, TrainingCurvesPlot.Height), (image.Width, image.Height));
        // Series 0 of each panel is drawn in palette colour 0; the 2x2 grid puts one panel in each quadrant.
        int w = image.Width / 2, h = image.Height / 2;
        foreach (var (x, y) in new[] { (0, 0), (w, 0), (0, h), (w, h) })
        {
            Assert.True(CountNear(image, Palette.Of(0), x, y, x + w, y + h) > 50, $"panel at ({x}, {y}) has no curve");
        }
        // The loss panel (top left) also has its second and third series.
        Assert.True(CountNear(image, Palette.Of(1), 0, 0, w, h) > 50);
        Assert.True(CountNear(image, Palette.Of(2), 0, 0, w, h) > 50);
    }

    [Fact]
    public void PrCurvesDrawOneLinePerClass()
    {
        using var folder = new TempFolder("pr");
        var path = folder["pr_curves.png"];
        PrCurve[] curves =
        [
            new("circle", [0.1, 0.5, 0.9], [1.0, 0.8, 0.6]),
            new("square", [0.2, 0.4], [0.5, 0.4]),
            new("empty", [], []),
        ];
        PrCurvesPlot.Write(path, curves, new Dictionary<string, double> { ["circle"] = 0.7, ["square"] = 0.3, ["empty"] = 0 }, "test");
        var image = ImageIO.Read(path);
        Assert.Equal((PrCurvesPlot.Width, PrCurvesPlot.Height), (image.Width, image.Height));
        Assert.True(CountNear(image, Palette.Of(0), 0, 0, image.Width, image.Height) > 100);
        Assert.True(CountNear(image, Palette.Of(1), 0, 0, image.Width, image.Height) > 50);
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp"));
    }
}
