using SsdLite.Runtime;

namespace SsdLite.Core.Evaluation;

/// <summary>
/// Pascal VOC detection AP, computed as the devkit does: per class, detections of all images ranked by
/// score; each matched to the ground truth of that class in its image with the largest overlap, areas and
/// intersections counted with +1 pixel; overlap &gt;= the threshold makes a true positive unless that
/// ground truth was already taken (a duplicate: false positive) or is difficult (neither); anything else
/// is a false positive. Recall counts non-difficult ground truths only.
/// </summary>
/// <remarks>
/// Classes without any non-difficult ground truth have no defined recall (the devkit divides by zero and
/// the reference's mean turns NaN): they are left out of the per-class table and of the mean. A class with
/// ground truth and no detections scores 0. Equal scores keep the order detections were added in.
/// <see cref="AddImage"/> may be called from several threads.
/// </remarks>
public sealed class VocEvaluator
{
    private readonly object gate = new();
    private readonly List<GroundTruthBox[]> groundTruths = [];
    private readonly Dictionary<int, List<ScoredBox>> detectionsByClass = [];

    /// <summary>An evaluator counting a detection as correct from IoU <paramref name="iouThreshold"/>.</summary>
    public VocEvaluator(float iouThreshold = 0.5f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(iouThreshold);
        IouThreshold = iouThreshold;
    }

    /// <summary>The overlap from which a detection matches a ground-truth box.</summary>
    public float IouThreshold { get; }

    /// <summary>The number of images added so far.</summary>
    public int ImageCount
    {
        get
        {
            lock (gate)
            {
                return groundTruths.Count;
            }
        }
    }

    /// <summary>Adds one image's ground truth and detections (boxes in the same pixel coordinates).</summary>
    public void AddImage(IEnumerable<GroundTruthBox> objects, IEnumerable<DetectedObject> detections)
    {
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentNullException.ThrowIfNull(detections);
        var objectArray = objects.ToArray();
        var detectionArray = detections.ToArray();
        lock (gate)
        {
            var image = groundTruths.Count;
            groundTruths.Add(objectArray);
            foreach (var d in detectionArray)
            {
                if (!detectionsByClass.TryGetValue(d.ClassId, out var list))
                {
                    list = [];
                    detectionsByClass.Add(d.ClassId, list);
                }

                list.Add(new ScoredBox(image, d.Score, d.Box));
            }
        }
    }

    /// <summary>AP per class and their mean over everything added so far.</summary>
    public VocResult Evaluate(VocMetric metric = VocMetric.Voc07)
    {
        lock (gate)
        {
            var perClass = new SortedDictionary<int, double>();
            foreach (var classId in ClassesWithPositives())
            {
                perClass[classId] = ClassAveragePrecision(classId, metric);
            }

            var mean = perClass.Count == 0 ? 0.0 : perClass.Values.Average();
            return new VocResult(metric, IouThreshold, perClass, mean, groundTruths.Count);
        }
    }

    /// <summary>Intersection over union with the devkit's +1 pixel widths and heights, in double.</summary>
    public static double DevkitIou(BoxF a, BoxF b)
    {
        var iw = Math.Max(Math.Min((double)a.XMax, b.XMax) - Math.Max((double)a.XMin, b.XMin) + 1.0, 0.0);
        var ih = Math.Max(Math.Min((double)a.YMax, b.YMax) - Math.Max((double)a.YMin, b.YMin) + 1.0, 0.0);
        var inter = iw * ih;
        var union = (((double)a.XMax - a.XMin + 1.0) * ((double)a.YMax - a.YMin + 1.0))
            + (((double)b.XMax - b.XMin + 1.0) * ((double)b.YMax - b.YMin + 1.0))
            - inter;
        return inter / union;
    }

    private SortedSet<int> ClassesWithPositives()
    {
        var classes = new SortedSet<int>();
        foreach (var objects in groundTruths)
        {
            foreach (var o in objects)
            {
                if (!o.Difficult)
                {
                    classes.Add(o.ClassId);
                }
            }
        }

        return classes;
    }

    private double ClassAveragePrecision(int classId, VocMetric metric)
    {
        var positives = CountPositives(classId);
        if (!detectionsByClass.TryGetValue(classId, out var detections) || detections.Count == 0)
        {
            return 0.0;
        }

        var ranked = ScoreOrder.Rank(detections, d => d.Score);
        var recall = new double[ranked.Length];
        var precision = new double[ranked.Length];
        var taken = NewTakenFlags();
        double tp = 0, fp = 0;
        for (var i = 0; i < ranked.Length; i++)
        {
            var outcome = Judge(ranked[i], classId, taken);
            tp += outcome == Outcome.TruePositive ? 1 : 0;
            fp += outcome == Outcome.FalsePositive ? 1 : 0;
            recall[i] = tp / positives;
            precision[i] = tp / Math.Max(tp + fp, double.Epsilon);
        }

        return AveragePrecision.Compute(metric, recall, precision);
    }

    private int CountPositives(int classId)
    {
        var count = 0;
        foreach (var objects in groundTruths)
        {
            foreach (var o in objects)
            {
                count += o.ClassId == classId && !o.Difficult ? 1 : 0;
            }
        }

        return count;
    }

    private bool[][] NewTakenFlags()
    {
        var taken = new bool[groundTruths.Count][];
        for (var image = 0; image < taken.Length; image++)
        {
            taken[image] = new bool[groundTruths[image].Length];
        }

        return taken;
    }

    // The devkit's rule: best overlap over all ground truths of the class (difficult or taken included).
    private Outcome Judge(ScoredBox detection, int classId, bool[][] taken)
    {
        var objects = groundTruths[detection.Image];
        var bestOverlap = double.NegativeInfinity;
        var best = -1;
        for (var g = 0; g < objects.Length; g++)
        {
            if (objects[g].ClassId != classId)
            {
                continue;
            }

            var overlap = DevkitIou(detection.Box, objects[g].Box);
            if (overlap > bestOverlap)
            {
                bestOverlap = overlap;
                best = g;
            }
        }

        if (best < 0 || bestOverlap < IouThreshold)
        {
            return Outcome.FalsePositive;
        }

        if (objects[best].Difficult)
        {
            return Outcome.Ignored;
        }

        if (taken[detection.Image][best])
        {
            return Outcome.FalsePositive;
        }

        taken[detection.Image][best] = true;
        return Outcome.TruePositive;
    }

    private enum Outcome
    {
        TruePositive,
        FalsePositive,
        Ignored,
    }

    private readonly record struct ScoredBox(int Image, float Score, BoxF Box);
}
