using SsdLite.Torch;

namespace SsdLite.Tools.Bench;

/// <summary>
/// The cost of one call through the managed binding: a tiny <c>add</c> (one-element tensors) from C#, each result
/// disposed, against the same op in a C++ loop (<see cref="torch.BenchNativeAdd"/>). Overhead = managed − native.
/// </summary>
public static class BindingBench
{
    private const int CallsPerSample = 20_000;

    public static IEnumerable<Measurement> Run(BenchSettings settings)
    {
        using var a = torch.ones(new long[] { 1 });
        using var b = torch.ones(new long[] { 1 });
        var samples = Sampler.Interleave([() => ManagedLoop(a, b), () => NativeLoop(a, b), () => ScopedLoop(a, b)], settings.Warmup, settings.Iterations);
        var perCall = samples.Select(s => s.Select(ms => ms * 1000 / CallsPerSample).ToList()).ToArray();
        var overhead = perCall[0].Zip(perCall[1], (m, n) => m - n).ToList();
        var scopedOverhead = perCall[2].Zip(perCall[1], (m, n) => m - n).ToList();
        yield return Measurement.FromSamples("binding", "add, P/Invoke + dispose", perCall[0], "us", 1);
        yield return Measurement.FromSamples("binding", "add, P/Invoke in a dispose scope", perCall[2], "us", 1);
        yield return Measurement.FromSamples("binding", "add, C++ loop (BenchNativeAdd)", perCall[1], "us", 1);
        yield return Measurement.FromSamples("binding", "overhead per call", overhead, "us", 0);
        yield return Measurement.FromSamples("binding", "overhead per call, dispose scope", scopedOverhead, "us", 0);
    }

    private static void ManagedLoop(Tensor a, Tensor b)
    {
        for (var i = 0; i < CallsPerSample; i++)
        {
            using var r = a + b;
        }
    }

    /// <summary>The same calls left to a dispose scope, as a training step or inference call does.</summary>
    private static void ScopedLoop(Tensor a, Tensor b)
    {
        const int PerScope = 100;
        for (var i = 0; i < CallsPerSample; i += PerScope)
        {
            using var scope = torch.NewDisposeScope();
            for (var j = 0; j < PerScope; j++) _ = a + b;
        }
    }

    private static void NativeLoop(Tensor a, Tensor b) => torch.BenchNativeAdd(a, b, CallsPerSample);
}
