namespace SsdLite.Core.Evaluation;

/// <summary>Average precision from cumulative recall/precision points, as the VOC devkit computes it.</summary>
public static class AveragePrecision
{
    /// <summary>The AP of <paramref name="metric"/> for the given points.</summary>
    public static double Compute(VocMetric metric, ReadOnlySpan<double> recall, ReadOnlySpan<double> precision) =>
        metric == VocMetric.Voc07 ? ElevenPoint(recall, precision) : AllPoint(recall, precision);

    /// <summary>
    /// VOC2007: for t = 0, 0.1, ..., 1 the largest precision at recall &gt;= t (0 when none), averaged.
    /// The thresholds are k * 0.1 in double, as numpy's arange makes them, so 0.3 is 0.30000000000000004.
    /// </summary>
    public static double ElevenPoint(ReadOnlySpan<double> recall, ReadOnlySpan<double> precision)
    {
        CheckSameLength(recall, precision);
        var sum = 0.0;
        for (var k = 0; k <= 10; k++)
        {
            sum += MaxPrecisionFrom(recall, precision, k * 0.1) / 11.0;
        }

        return sum;
    }

    /// <summary>
    /// VOC2010+: recall padded with 0 and 1, precision with 0 and 0, precision made non-increasing from
    /// the right, then the sum of (recall step) x (precision after the step) where recall changes.
    /// </summary>
    public static double AllPoint(ReadOnlySpan<double> recall, ReadOnlySpan<double> precision)
    {
        CheckSameLength(recall, precision);
        var n = recall.Length + 2;
        Span<double> mrec = n <= 256 ? stackalloc double[n] : new double[n];
        Span<double> mpre = n <= 256 ? stackalloc double[n] : new double[n];
        mrec[0] = 0;
        mpre[0] = 0;
        recall.CopyTo(mrec[1..]);
        precision.CopyTo(mpre[1..]);
        mrec[n - 1] = 1;
        mpre[n - 1] = 0;
        for (var i = n - 1; i > 0; i--)
        {
            mpre[i - 1] = Math.Max(mpre[i - 1], mpre[i]);
        }

        var area = 0.0;
        for (var i = 0; i < n - 1; i++)
        {
            if (mrec[i + 1] != mrec[i])
            {
                area += (mrec[i + 1] - mrec[i]) * mpre[i + 1];
            }
        }

        return area;
    }

    private static double MaxPrecisionFrom(ReadOnlySpan<double> recall, ReadOnlySpan<double> precision, double threshold)
    {
        var best = 0.0;
        for (var i = 0; i < recall.Length; i++)
        {
            if (recall[i] >= threshold && precision[i] > best)
            {
                best = precision[i];
            }
        }

        return best;
    }

    private static void CheckSameLength(ReadOnlySpan<double> recall, ReadOnlySpan<double> precision)
    {
        if (recall.Length != precision.Length)
        {
            throw new ArgumentException($"{recall.Length} recall values but {precision.Length} precision values.", nameof(precision));
        }
    }
}
