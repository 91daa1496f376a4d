using System.Diagnostics;

namespace SsdLite.Tools.Bench;

/// <summary>Times actions; several cases are interleaved round by round so that machine noise hits them alike.</summary>
public static class Sampler
{
    /// <summary>
    /// Milliseconds per call of each action, <paramref name="iterations"/> rounds after <paramref name="warmup"/>.
    /// With <paramref name="settle"/> &gt; 0 each timed call follows that many untimed calls of the same action, so
    /// engines with their own spin-waiting thread pools (libtorch's OpenMP, ONNX Runtime's) are timed after the
    /// previous engine's threads have gone quiet rather than while they still spin on the same cores.
    /// </summary>
    public static List<double>[] Interleave(IReadOnlyList<Action> actions, int warmup, int iterations, int settle = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(settle);
        for (var w = 0; w < warmup; w++)
        {
            foreach (var action in actions) action();
        }
        var samples = actions.Select(_ => new List<double>(iterations)).ToArray();
        for (var i = 0; i < iterations; i++)
        {
            for (var k = 0; k < actions.Count; k++)
            {
                for (var u = 0; u < settle; u++) actions[k]();
                samples[k].Add(TimeMs(actions[k]));
            }
        }
        return samples;
    }

    public static List<double> Repeat(Action action, int warmup, int iterations) => Interleave([action], warmup, iterations)[0];

    public static double TimeMs(Action action)
    {
        var start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}
