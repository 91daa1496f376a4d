using SsdLite.Core;
using SsdLite.Detection.Models;

namespace SsdLite.Tools.Bench;

/// <summary>The network under test and synthetic tensors for it.</summary>
public static class BenchModels
{
    public static SsdLiteConfig Config(BenchSettings settings)
    {
        var names = Enumerable.Range(1, settings.ClassCountWithBackground - 1).Select(i => $"class{i}").ToArray();
        return new SsdLiteConfig(names, settings.Width, settings.InputSize, arch: settings.ModelArch);
    }

    public static SsdLiteModel Create(BenchSettings settings) => new(Config(settings));

    /// <summary>A (batch, 3, S, S) input in the normalised range; owned by the caller.</summary>
    public static Tensor Input(int batch, int size) => torch.randn(batch, 3, size, size).DetachFromDisposeScope();

    /// <summary>
    /// Random training targets for <paramref name="priors"/> priors: about 2% positives with random classes,
    /// the rest background; offsets standard normal scaled by 0.5. Owned by the caller.
    /// </summary>
    public static (Tensor labels, Tensor locations) Targets(int batch, int priors, int numClasses, int seed)
    {
        var rng = new Random(seed);
        var labels = new long[batch * priors];
        for (var i = 0; i < labels.Length; i++) labels[i] = rng.NextDouble() < 0.02 ? rng.Next(1, numClasses) : 0;
        var locations = new float[batch * priors * 4];
        for (var i = 0; i < locations.Length; i++) locations[i] = (float)(0.5 * Gaussian(rng));
        return (torch.tensor(labels, [batch, priors]).DetachFromDisposeScope(), torch.tensor(locations, [batch, priors, 4]).DetachFromDisposeScope());
    }

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
