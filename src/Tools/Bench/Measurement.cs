namespace SsdLite.Tools.Bench;

/// <summary>One case's timings: the median and spread of <see cref="Samples"/> repetitions, and its throughput.</summary>
/// <param name="Part">binding, inference, train or loader.</param>
/// <param name="Case">What was timed ("batch 8, folded").</param>
/// <param name="Unit">Unit of <see cref="Median"/>, <see cref="Min"/> and <see cref="Max"/> (ms or µs).</param>
/// <param name="Throughput">Items per second at the median (images/s), or null.</param>
public sealed record Measurement(string Part, string Case, double Median, double Min, double Max, string Unit, int Samples, double? Throughput)
{
    public static Measurement FromSamples(string part, string @case, IReadOnlyList<double> samples, string unit, double itemsPerSample)
    {
        var median = Stats.Median(samples);
        double? throughput = itemsPerSample > 0 ? itemsPerSample / ToSeconds(median, unit) : null;
        return new Measurement(part, @case, median, samples.Min(), samples.Max(), unit, samples.Count, throughput);
    }

    private static double ToSeconds(double value, string unit) => unit == "us" ? value / 1e6 : value / 1e3;
}

/// <summary>Order statistics.</summary>
public static class Stats
{
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("no values", nameof(values));
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
