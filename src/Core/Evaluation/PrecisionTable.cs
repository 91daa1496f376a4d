namespace SsdLite.Core.Evaluation;

/// <summary>
/// COCOeval's accumulated arrays: precision[T, R, K, A, M] and recall[T, K, A, M], -1 where a category has no
/// ground truth in that area range; the summary numbers are means over the entries that are not -1.
/// </summary>
internal sealed class PrecisionTable(int thresholds, int recallPoints, int categories, int areas, int caps)
{
    private readonly double[] _precision = Filled(thresholds * recallPoints * categories * areas * caps);
    private readonly double[] _recall = Filled(thresholds * categories * areas * caps);

    public void SetPrecision(int t, int r, int k, int a, int m, double value) => _precision[PrecisionIndex(t, r, k, a, m)] = value;

    public void SetRecall(int t, int k, int a, int m, double value) => _recall[RecallIndex(t, k, a, m)] = value;

    /// <summary>Mean precision over one threshold (or all), every recall point and one category (or all).</summary>
    public double MeanPrecision(int? threshold, int area, int cap, int? category = null)
    {
        var values = new List<double>();
        for (int t = 0; t < thresholds; t++)
        {
            if (threshold is { } only && t != only) continue;
            for (int r = 0; r < recallPoints; r++)
            {
                for (int k = 0; k < categories; k++)
                {
                    if (category is { } c && k != c) continue;
                    values.Add(_precision[PrecisionIndex(t, r, k, area, cap)]);
                }
            }
        }
        return MeanOfPresent(values);
    }

    /// <summary>Mean recall over all thresholds and categories.</summary>
    public double MeanRecall(int area, int cap)
    {
        var values = new List<double>();
        for (int t = 0; t < thresholds; t++)
        {
            for (int k = 0; k < categories; k++) values.Add(_recall[RecallIndex(t, k, area, cap)]);
        }
        return MeanOfPresent(values);
    }

    private int PrecisionIndex(int t, int r, int k, int a, int m) => ((((((t * recallPoints) + r) * categories) + k) * areas) + a) * caps + m;

    private int RecallIndex(int t, int k, int a, int m) => ((((t * categories) + k) * areas) + a) * caps + m;

    private static double MeanOfPresent(List<double> values)
    {
        var present = values.Where(v => v > -1).ToArray();
        return present.Length == 0 ? -1 : present.Sum() / present.Length;
    }

    private static double[] Filled(int length)
    {
        var values = new double[length];
        Array.Fill(values, -1.0);
        return values;
    }
}
