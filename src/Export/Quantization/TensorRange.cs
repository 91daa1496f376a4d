namespace SsdLite.Export.Quantization;

/// <summary>
/// The values one tensor took over the calibration images: their minimum and maximum, and after
/// <see cref="StartHistogram"/> a histogram over that span for percentile ranges.
/// </summary>
internal sealed class TensorRange
{
    /// <summary>ONNX Runtime's histogram calibrators use 2048 bins too.</summary>
    public const int Bins = 2048;

    private long[]? histogram;
    private float histogramMin;
    private float binsPerUnit;

    public float Min { get; private set; } = float.PositiveInfinity;

    public float Max { get; private set; } = float.NegativeInfinity;

    public long Count { get; private set; }

    public void AddMinMax(ReadOnlySpan<float> values)
    {
        var (min, max) = (Min, Max);
        foreach (var v in values)
        {
            if (v < min) min = v;
            if (v > max) max = v;
        }
        (Min, Max) = (min, max);
        Count += values.Length;
    }

    /// <summary>Fixes the histogram's span to [Min, Max] as the first pass found it.</summary>
    public void StartHistogram()
    {
        if (Count == 0) throw new InvalidOperationException("no values collected");
        histogram = new long[Bins];
        histogramMin = Min;
        binsPerUnit = Max > Min ? Bins / (Max - Min) : 0;
    }

    public void AddHistogram(ReadOnlySpan<float> values)
    {
        var counts = histogram ?? throw new InvalidOperationException("StartHistogram first");
        foreach (var v in values) counts[Math.Clamp((int)((v - histogramMin) * binsPerUnit), 0, Bins - 1)]++;
    }

    /// <summary>
    /// The span that leaves (100 - <paramref name="percentile"/>)% of the values outside at each end, read from the
    /// histogram at bin edges (never wider than [Min, Max]).
    /// </summary>
    public (float Min, float Max) PercentileRange(double percentile)
    {
        var counts = histogram ?? throw new InvalidOperationException("StartHistogram first");
        if (binsPerUnit == 0) return (Min, Max);
        var total = counts.Sum();
        var tail = total * (100 - percentile) / 100;
        var width = (Max - Min) / Bins;
        int low = 0, high = Bins - 1;
        for (long below = 0; low < Bins - 1 && below + counts[low] <= tail; low++) below += counts[low];
        for (long above = 0; high > low && above + counts[high] <= tail; high--) above += counts[high];
        return (low == 0 ? Min : Min + (low * width), high == Bins - 1 ? Max : Min + ((high + 1) * width));
    }
}
