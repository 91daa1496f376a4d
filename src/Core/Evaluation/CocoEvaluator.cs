namespace SsdLite.Core.Evaluation;

/// <summary>
/// COCO's bbox evaluation, computed step for step as pycocotools' <c>COCOeval</c> does (evaluate, accumulate,
/// summarize): IoU thresholds .50:.05:.95, 101-point interpolated precision, area ranges all/small/medium/large,
/// at most 1, 10 and 100 detections per image and category (highest scores first), crowd regions that swallow any
/// number of detections without counting them. Images are evaluated in id order and categories in id order, ties
/// in score keep the order the detections were added in, as COCOeval's stable sorts do.
/// </summary>
/// <remarks>
/// The category list is the ground truth's (COCO's <c>categories</c>), including categories that never occur: they
/// have no ground truth and drop out of every mean, as in COCOeval. <see cref="AddImage"/> may be called from
/// several threads.
/// </remarks>
public sealed class CocoEvaluator
{
    /// <summary>COCOeval's area ranges: all, small (&lt; 32²), medium (32²..96²), large (&gt; 96²), bounds inclusive.</summary>
    private static readonly (double Low, double High)[] AreaRanges =
    [
        (0, 1e10), (0, 32 * 32), (32 * 32, 96 * 96), (96 * 96, 1e10),
    ];

    private static readonly int[] MaxDetections = [1, 10, 100];

    /// <summary>numpy's spacing(1), the guard COCOeval adds to the precision's denominator.</summary>
    private const double NumpySpacingOfOne = 2.220446049250313e-16;

    private readonly object _gate = new();
    private readonly int[] _categories;
    private readonly SortedDictionary<long, ImageEntry> _images = [];

    /// <summary>Creates an evaluator over the given categories (the ground truth's, in any order).</summary>
    public CocoEvaluator(IEnumerable<int> categoryIds)
    {
        ArgumentNullException.ThrowIfNull(categoryIds);
        _categories = categoryIds.Distinct().Order().ToArray();
    }

    /// <summary>The IoU thresholds 0.50, 0.55 … 0.95, computed as numpy's linspace computes them.</summary>
    public static IReadOnlyList<double> IouThresholds { get; } = Linspace(0.5, 0.95, 10);

    /// <summary>The recall points 0.00, 0.01 … 1.00 of the interpolated precision, as numpy's linspace computes them.</summary>
    public static IReadOnlyList<double> RecallThresholds { get; } = Linspace(0.0, 1.0, 101);

    /// <summary>The number of images added.</summary>
    public int ImageCount
    {
        get
        {
            lock (_gate)
            {
                return _images.Count;
            }
        }
    }

    /// <summary>Adds one image's ground truth and detections; image ids must be distinct.</summary>
    public void AddImage(long imageId, IEnumerable<CocoGroundTruth> groundTruth, IEnumerable<CocoDetection> detections)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(detections);
        var entry = new ImageEntry(groundTruth.ToArray(), detections.ToArray());
        lock (_gate)
        {
            if (!_images.TryAdd(imageId, entry)) throw new ArgumentException($"image id {imageId} was already added", nameof(imageId));
        }
    }

    /// <summary>
    /// The intersection over union COCO's mask API computes for boxes: plain areas (no +1), and for a crowd ground
    /// truth the intersection over the detection's own area.
    /// </summary>
    public static double Iou(in CocoDetection d, in CocoGroundTruth g)
    {
        double w = Math.Min(d.X + d.Width, g.X + g.Width) - Math.Max(d.X, g.X);
        if (w <= 0) return 0;
        double h = Math.Min(d.Y + d.Height, g.Y + g.Height) - Math.Max(d.Y, g.Y);
        if (h <= 0) return 0;
        double intersection = w * h;
        double detectionArea = d.Width * d.Height;
        double union = g.Crowd ? detectionArea : detectionArea + (g.Width * g.Height) - intersection;
        return intersection / union;
    }

    /// <summary>The twelve summary numbers and the per-category AP over everything added so far.</summary>
    public CocoResult Evaluate()
    {
        lock (_gate)
        {
            var images = _images.Values.ToArray();
            var table = new PrecisionTable(IouThresholds.Count, RecallThresholds.Count, _categories.Length, AreaRanges.Length, MaxDetections.Length);
            for (int k = 0; k < _categories.Length; k++)
            {
                var perImage = images.Select(image => CategoryOf(image, _categories[k])).ToArray();
                for (int a = 0; a < AreaRanges.Length; a++)
                {
                    var matched = perImage.Select(c => c is null ? null : Match(c, AreaRanges[a])).ToArray();
                    for (int m = 0; m < MaxDetections.Length; m++)
                    {
                        Accumulate(table, matched, k, a, m);
                    }
                }
            }
            return Summarize(table, images.Length);
        }
    }

    private static double[] Linspace(double start, double stop, int count)
    {
        // numpy: arange(count) * ((stop - start) / (count - 1)) + start, with the last point set to stop exactly.
        double step = (stop - start) / (count - 1);
        var values = new double[count];
        for (int i = 0; i < count; i++) values[i] = (i * step) + start;
        values[^1] = stop;
        return values;
    }

    /// <summary>One image's objects and detections of one category, detections ranked and capped at 100; null when both are empty.</summary>
    private static CategoryImage? CategoryOf(ImageEntry image, int categoryId)
    {
        var truths = image.Truths.Where(g => g.CategoryId == categoryId).ToArray();
        var detections = image.Detections.Where(d => d.CategoryId == categoryId)
            .OrderByDescending(d => d.Score) // stable, as COCOeval's mergesort
            .Take(MaxDetections[^1])
            .ToArray();
        if (truths.Length == 0 && detections.Length == 0) return null;
        var ious = new double[detections.Length, truths.Length];
        for (int d = 0; d < detections.Length; d++)
        {
            for (int g = 0; g < truths.Length; g++) ious[d, g] = Iou(detections[d], truths[g]);
        }
        return new CategoryImage(truths, detections, ious);
    }

    /// <summary>COCOeval.evaluateImg: greedy matching per IoU threshold, ignored objects last.</summary>
    private static MatchedImage Match(CategoryImage image, (double Low, double High) range)
    {
        var truths = image.Truths;
        bool[] ignoredRaw = truths.Select(g => g.Crowd || g.Area < range.Low || g.Area > range.High).ToArray();
        // Objects in range first, ignored ones last, each group in its own order (a stable sort on the flag).
        int[] order = Enumerable.Range(0, truths.Length).OrderBy(g => ignoredRaw[g] ? 1 : 0).ToArray();
        int thresholds = IouThresholds.Count;
        int detections = image.Detections.Length;
        var matched = new bool[thresholds, detections];
        var ignored = new bool[thresholds, detections];
        for (int t = 0; t < thresholds; t++)
        {
            var taken = new bool[truths.Length];
            for (int d = 0; d < detections; d++)
            {
                int best = BestMatch(image, order, ignoredRaw, taken, d, Math.Min(IouThresholds[t], 1 - 1e-10));
                if (best < 0) continue;
                int g = order[best];
                ignored[t, d] = ignoredRaw[g];
                // COCOeval stores the matched object's id and later reads 0 as "no match"; kept for equal numbers.
                matched[t, d] = truths[g].Id != 0;
                taken[best] = true;
            }
        }
        for (int d = 0; d < detections; d++)
        {
            double area = image.Detections[d].Area;
            bool outside = area < range.Low || area > range.High;
            for (int t = 0; t < thresholds; t++) ignored[t, d] |= outside && !matched[t, d];
        }
        int inRange = ignoredRaw.Count(i => !i);
        return new MatchedImage(image.Detections.Select(d => d.Score).ToArray(), matched, ignored, inRange);
    }

    /// <summary>The position in <paramref name="order"/> of the object detection <paramref name="d"/> takes, or -1.</summary>
    private static int BestMatch(CategoryImage image, int[] order, bool[] ignoredRaw, bool[] taken, int d, double threshold)
    {
        double best = threshold;
        int match = -1;
        for (int position = 0; position < order.Length; position++)
        {
            int g = order[position];
            if (taken[position] && !image.Truths[g].Crowd) continue;
            // Once matched to an object in range, stop at the first ignored one (they are sorted last).
            if (match > -1 && !ignoredRaw[order[match]] && ignoredRaw[g]) break;
            double iou = image.Ious[d, g];
            if (iou < best) continue;
            best = iou;
            match = position;
        }
        return match;
    }

    /// <summary>COCOeval.accumulate for one category, area range and detection cap.</summary>
    private static void Accumulate(PrecisionTable table, MatchedImage?[] images, int k, int a, int m)
    {
        int cap = MaxDetections[m];
        var present = images.OfType<MatchedImage>().ToArray();
        if (present.Length == 0) return;
        int positives = present.Sum(i => i.InRange);
        if (positives == 0) return;
        var pool = new List<(double Score, MatchedImage Image, int Index)>();
        foreach (var image in present)
        {
            for (int d = 0; d < Math.Min(cap, image.Scores.Length); d++) pool.Add((image.Scores[d], image, d));
        }
        var ranked = pool.OrderByDescending(p => p.Score).ToArray(); // stable, as numpy's mergesort
        for (int t = 0; t < IouThresholds.Count; t++)
        {
            var (recall, precision) = Curve(ranked, t, positives);
            table.SetRecall(t, k, a, m, recall.Length > 0 ? recall[^1] : 0);
            InterpolatedPrecision(recall, precision, table, t, k, a, m);
        }
    }

    /// <summary>
    /// Recall and precision after each ranked detection. Ignored detections count as neither, but keep their rank
    /// (with the running values repeated), as COCOeval's cumulative sums over all detections do.
    /// </summary>
    private static (double[] Recall, double[] Precision) Curve((double Score, MatchedImage Image, int Index)[] ranked, int t, int positives)
    {
        var recall = new double[ranked.Length];
        var precision = new double[ranked.Length];
        double tp = 0, fp = 0;
        for (int i = 0; i < ranked.Length; i++)
        {
            var (_, image, index) = ranked[i];
            if (!image.Ignored[t, index])
            {
                if (image.Matched[t, index]) tp++;
                else fp++;
            }
            recall[i] = tp / positives;
            precision[i] = tp / (fp + tp + NumpySpacingOfOne);
        }
        return (recall, precision);
    }

    private static void InterpolatedPrecision(double[] recall, double[] precision, PrecisionTable table, int t, int k, int a, int m)
    {
        // The precision envelope: at each rank the best precision at this or any higher recall.
        for (int i = precision.Length - 1; i > 0; i--)
        {
            if (precision[i] > precision[i - 1]) precision[i - 1] = precision[i];
        }
        int rank = 0;
        for (int r = 0; r < RecallThresholds.Count; r++)
        {
            // numpy's searchsorted(recall, threshold, 'left'): the first rank whose recall reaches the threshold.
            while (rank < recall.Length && recall[rank] < RecallThresholds[r]) rank++;
            table.SetPrecision(t, r, k, a, m, rank < recall.Length ? precision[rank] : 0);
        }
    }

    private CocoResult Summarize(PrecisionTable table, int imageCount)
    {
        const int all = 0, small = 1, medium = 2, large = 3, max100 = 2;
        int t50 = 0, t75 = 5;
        var stats = new[]
        {
            table.MeanPrecision(null, all, max100), table.MeanPrecision(t50, all, max100), table.MeanPrecision(t75, all, max100),
            table.MeanPrecision(null, small, max100), table.MeanPrecision(null, medium, max100), table.MeanPrecision(null, large, max100),
            table.MeanRecall(all, 0), table.MeanRecall(all, 1), table.MeanRecall(all, max100),
            table.MeanRecall(small, max100), table.MeanRecall(medium, max100), table.MeanRecall(large, max100),
        };
        var perCategory = new SortedDictionary<int, double>();
        for (int k = 0; k < _categories.Length; k++)
        {
            double ap = table.MeanPrecision(null, all, max100, k);
            if (ap >= 0) perCategory[_categories[k]] = ap;
        }
        return new CocoResult(stats, perCategory, imageCount);
    }

    private sealed record ImageEntry(CocoGroundTruth[] Truths, CocoDetection[] Detections);

    private sealed record CategoryImage(CocoGroundTruth[] Truths, CocoDetection[] Detections, double[,] Ious);

    private sealed record MatchedImage(double[] Scores, bool[,] Matched, bool[,] Ignored, int InRange);
}
