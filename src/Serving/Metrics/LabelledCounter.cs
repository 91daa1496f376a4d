using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace SsdLite.Serving.Metrics;

/// <summary>A Prometheus counter with one label (status, reason): a count per label value, safe from any thread.</summary>
public sealed class LabelledCounter(string name, string help, string label)
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> counts = new(StringComparer.Ordinal);

    /// <summary>Adds one to the count of <paramref name="value"/>.</summary>
    public void Inc(string value) => Interlocked.Increment(ref counts.GetOrAdd(value, _ => new StrongBox<long>()).Value);

    /// <summary>The count of <paramref name="value"/> so far.</summary>
    public long Get(string value) => counts.TryGetValue(value, out var box) ? Interlocked.Read(ref box.Value) : 0;

    internal void WriteTo(StringBuilder text)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        text.Append("# TYPE ").Append(name).Append(" counter\n");
        foreach (var (value, box) in counts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            text.Append(CultureInfo.InvariantCulture, $"{name}{{{label}=\"{value}\"}} {Interlocked.Read(ref box.Value)}\n");
    }

    // A reference to a long that Interlocked can update in place.
    private sealed class StrongBox<T>
    {
        public T Value = default!;
    }
}
