using SsdLite.Detection;
using SsdLite.Platform.Vision;

namespace SsdLite.Tools.Evaluation;

/// <summary>One class's precision-recall curve, points in ranking order.</summary>
public sealed record PrCurve(string Name, double[] Recall, double[] Precision);

/// <summary>
/// Precision-recall curves with the devkit's matching (IoU ≥ 0.5 with +1 pixel areas, difficult objects ignored,
/// duplicates false positives), for plotting; the AP numbers themselves come from <see cref="VocEvaluator"/>.
/// </summary>
public sealed class PrCurves
{
    private readonly List<SsdLite.Detection.VocObject[]> truths = [];
    private readonly List<(int Image, DetectedObject Detection)> detections = [];

    public void AddImage(IEnumerable<SsdLite.Detection.VocObject> objects, IEnumerable<DetectedObject> found)
    {
        var image = truths.Count;
        truths.Add(objects.ToArray());
        detections.AddRange(found.Select(d => (image, d)));
    }

    public PrCurve Curve(int classId, string name, float iouThreshold = 0.5f)
    {
        var positives = truths.Sum(t => t.Count(o => o.ClassId == classId && !o.Difficult));
        var ranked = detections.Where(d => d.Detection.ClassId == classId)
            .Select((d, i) => (d, i)).OrderByDescending(x => x.d.Detection.Score).ThenBy(x => x.i).Select(x => x.d).ToList();
        var taken = truths.Select(t => new bool[t.Length]).ToArray();
        var recall = new List<double>();
        var precision = new List<double>();
        double tp = 0, fp = 0;
        foreach (var (image, d) in ranked)
        {
            var (best, overlap) = BestMatch(truths[image], classId, d.Box);
            if (best >= 0 && overlap >= iouThreshold && truths[image][best].Difficult) continue;
            if (best >= 0 && overlap >= iouThreshold && !taken[image][best])
            {
                taken[image][best] = true;
                tp++;
            }
            else
            {
                fp++;
            }
            recall.Add(positives == 0 ? 0 : tp / positives);
            precision.Add(tp / (tp + fp));
        }
        return new PrCurve(name, [.. recall], [.. precision]);
    }

    private static (int Index, double Overlap) BestMatch(SsdLite.Detection.VocObject[] objects, int classId, BoxF box)
    {
        var best = -1;
        var bestOverlap = double.NegativeInfinity;
        for (var g = 0; g < objects.Length; g++)
        {
            if (objects[g].ClassId != classId) continue;
            var o = VocEvaluator.DevkitIou(box, objects[g].Box);
            if (o > bestOverlap)
            {
                bestOverlap = o;
                best = g;
            }
        }
        return (best, bestOverlap);
    }

    /// <summary>All curves on one chart (recall across, precision up), a legend on the right.</summary>
    public static Image Plot(IReadOnlyList<PrCurve> curves, string title)
    {
        const int W = 640, H = 420, Left = 50, Top = 30, PlotW = 400, PlotH = 340;
        var image = new Image(W, H);
        image.Fill(Rgb.White);
        image.DrawBox(Left, Top, Left + PlotW, Top + PlotH, Rgb.Black, 1);
        image.DrawText(title, Left, Top - 10, Rgb.Black, 0.5);
        image.DrawText("recall", Left + PlotW / 2 - 20, Top + PlotH + 30, Rgb.Black, 0.45);
        image.DrawText("precision", 2, Top + 12, Rgb.Black, 0.4);
        for (var tick = 0; tick <= 4; tick++)
        {
            var x = Left + tick * PlotW / 4;
            var y = Top + PlotH - tick * PlotH / 4;
            image.DrawText($"{tick * 0.25:0.##}", x - 8, Top + PlotH + 15, Rgb.Black, 0.35);
            image.DrawText($"{tick * 0.25:0.##}", Left - 32, y + 4, Rgb.Black, 0.35);
        }
        for (var c = 0; c < curves.Count; c++)
        {
            var color = Palette.Of(c);
            var curve = curves[c];
            for (var i = 1; i < curve.Recall.Length; i++)
            {
                image.DrawLine(X(curve.Recall[i - 1]), Y(curve.Precision[i - 1]), X(curve.Recall[i]), Y(curve.Precision[i]), color, 2);
            }
            image.FillRectangle(Left + PlotW + 15, Top + 10 + c * 20, Left + PlotW + 27, Top + 22 + c * 20, color);
            image.DrawText(curve.Name, Left + PlotW + 33, Top + 21 + c * 20, Rgb.Black, 0.45);
        }
        return image;

        static int X(double recall) => Left + (int)Math.Round(recall * PlotW);
        static int Y(double precision) => Top + PlotH - (int)Math.Round(precision * PlotH);
    }
}

/// <summary>Distinct colours per class id, for boxes and curves.</summary>
public static class Palette
{
    private static readonly Rgb[] Colors =
    [
        new(230, 25, 75), new(60, 180, 75), new(0, 130, 200), new(245, 130, 48), new(145, 30, 180), new(70, 240, 240),
        new(240, 50, 230), new(210, 245, 60), new(250, 190, 190), new(0, 128, 128), new(170, 110, 40), new(128, 0, 0),
    ];

    public static Rgb Of(int index) => Colors[((index % Colors.Length) + Colors.Length) % Colors.Length];
}
