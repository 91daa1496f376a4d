using System.Globalization;
using System.Text;

namespace SsdLite.Serving.Metrics;

/// <summary>
/// A Prometheus histogram: counts per upper bound (cumulative when written, with +Inf), the sum and the count.
/// Observations from any thread; a scrape may see one observation's bucket before its sum, as Prometheus allows.
/// </summary>
public sealed class Histogram
{
    private readonly string name;
    private readonly string help;
    private readonly double[] bounds;
    private readonly long[] buckets;
    private long count;
    private long sumBits;

    /// <summary>A histogram written as <paramref name="name"/> with <paramref name="help"/>, over increasing upper <paramref name="bounds"/>.</summary>
    public Histogram(string name, string help, IReadOnlyList<double> bounds)
    {
        ArgumentNullException.ThrowIfNull(bounds);
        if (bounds.Count == 0 || bounds.Zip(bounds.Skip(1)).Any(p => p.Second <= p.First))
            throw new ArgumentException("histogram bounds must be increasing and not empty", nameof(bounds));
        this.name = name;
        this.help = help;
        this.bounds = [.. bounds];
        buckets = new long[this.bounds.Length + 1];
    }

    /// <summary><paramref name="count"/> bounds from <paramref name="start"/>, each <paramref name="factor"/> times the last.</summary>
    public static double[] Exponential(double start, double factor, int count) =>
        Enumerable.Range(0, count).Select(i => start * Math.Pow(factor, i)).ToArray();

    /// <summary>Observations so far.</summary>
    public long Count => Interlocked.Read(ref count);

    /// <summary>The sum of the observed values.</summary>
    public double Sum => BitConverter.Int64BitsToDouble(Interlocked.Read(ref sumBits));

    /// <summary>Counts <paramref name="value"/> in the first bucket whose bound is at or above it (+Inf past the last).</summary>
    public void Observe(double value)
    {
        var i = Array.BinarySearch(bounds, value);
        if (i < 0) i = ~i; // the first bound at or above the value; past the end: +Inf
        Interlocked.Increment(ref buckets[i]);
        Interlocked.Increment(ref count);
        long seen, next;
        do
        {
            seen = Interlocked.Read(ref sumBits);
            next = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(seen) + value);
        }
        while (Interlocked.CompareExchange(ref sumBits, next, seen) != seen);
    }

    /// <summary>Observations at or below each bound (not cumulative), then those above the last.</summary>
    public long[] BucketCounts() => buckets.Select(b => Interlocked.Read(ref b)).ToArray();

    internal void WriteTo(StringBuilder text)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        text.Append("# TYPE ").Append(name).Append(" histogram\n");
        long cumulative = 0;
        for (var i = 0; i < buckets.Length; i++)
        {
            cumulative += Interlocked.Read(ref buckets[i]);
            var le = i < bounds.Length ? bounds[i].ToString("R", CultureInfo.InvariantCulture) : "+Inf";
            text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"{le}\"}} {cumulative}\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"{name}_sum {Sum.ToString("R", CultureInfo.InvariantCulture)}\n");
        text.Append(CultureInfo.InvariantCulture, $"{name}_count {cumulative}\n");
    }
}
