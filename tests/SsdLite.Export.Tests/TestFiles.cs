using SsdLite.Detection;
using SsdLite.Runtime;

namespace SsdLite.Export.Tests;

/// <summary>The oracle files copied beside the tests, and temporary folders each test owns.</summary>
internal static class TestFiles
{
    public static string Data(string relative) => Path.Combine(AppContext.BaseDirectory, "Data", relative);

    public static string Oracle(string name) => Data(Path.Combine("oracle", name));

    public static float[] ReadF32(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    /// <summary>Names c1..cN, for the random-weight oracles that were made for 20 object classes.</summary>
    public static IReadOnlyList<string> Names(int count) => Enumerable.Range(1, count).Select(i => $"c{i}").ToList();

    /// <summary>The trained c7 detector's object class names, from the oracle's labels file.</summary>
    public static IReadOnlyList<string> C7Labels() =>
        File.ReadAllLines(Oracle("labels-c7.txt")).Select(l => l.Trim()).Where(l => l.Length > 0 && l != ClassLabels.Background).ToList();

    /// <summary>Seeded standard-normal values, the spread of normalised images.</summary>
    public static float[] RandomInput(int count, int seed)
    {
        var rng = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        return values;
    }

    public static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (var i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}

