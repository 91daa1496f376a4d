using SsdLite.Core.Evaluation;
using SsdLite.Runtime;
using SsdLite.Vision;

namespace SsdLite.Tools.Evaluation;

/// <summary>One class's precision-recall curve, points in ranking order.</summary>
public sealed record PrCurve(string Name, double[] Recall, double[] Precision);

/// <summary>
/// Precision-recall curves with the devkit's matching (IoU ≥ 0.5 with +1 pixel areas, difficult objects ignored,
/// duplicates false positives), for plotting; the AP numbers themselves come from <see cref="VocEvaluator"/>.
/// </summary>
public sealed class PrCurves
{
    private readonly List<SsdLite.Core.Evaluation.GroundTruthBox[]> truths = [];
    private readonly List<(int Image, DetectedObject Detection)> detections = [];

    public void AddImage(IEnumerable<SsdLite.Core.Evaluation.GroundTruthBox> objects, IEnumerable<DetectedObject> found)
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

    private static (int Index, double Overlap) BestMatch(SsdLite.Core.Evaluation.GroundTruthBox[] objects, int classId, BoxF box)
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
