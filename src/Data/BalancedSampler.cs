using System.Globalization;

namespace SsdLite.Data;

/// <summary>
/// Balanced sampling over classes (<c>balance_data</c>): each image is drawn with a weight of one over the number of
/// training images holding its rarest class, with replacement, as many draws per epoch as there are images. On a set
/// where each image holds one class, every class is then drawn equally often in expectation. Images without
/// objects weigh as much as an image of the most common class, so they neither vanish nor take over.
/// The reference's balanced dataset (open_images.py) reaches balance by undersampling every class to the rarest
/// one; weighting keeps every image in play, which matters on the small sets people fine-tune on.
/// </summary>
public sealed class BalancedSampler
{
    private readonly double[] cumulative;

    /// <summary>Weights for samples whose classes are <paramref name="classesPerSample"/> (ids, repeats allowed).</summary>
    public BalancedSampler(IReadOnlyList<IReadOnlyCollection<int>> classesPerSample)
    {
        ArgumentNullException.ThrowIfNull(classesPerSample);
        if (classesPerSample.Count == 0) throw new ArgumentException("balanced sampling needs at least one sample", nameof(classesPerSample));
        var distinct = classesPerSample.Select(c => c.Distinct().ToArray()).ToArray();
        var before = new SortedDictionary<int, int>();
        foreach (var classes in distinct)
        {
            foreach (var c in classes) before[c] = before.GetValueOrDefault(c) + 1;
        }
        var commonest = before.Count == 0 ? 1 : before.Values.Max();
        var weights = distinct.Select(classes => classes.Length == 0 ? 1.0 / commonest : classes.Max(c => 1.0 / before[c])).ToArray();
        var total = weights.Sum();
        cumulative = new double[weights.Length];
        var sum = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            sum += weights[i];
            cumulative[i] = sum / total;
        }
        var after = before.Keys.ToDictionary(c => c, _ => 0.0);
        for (var i = 0; i < distinct.Length; i++)
        {
            foreach (var c in distinct[i]) after[c] += weights[i] / total * distinct.Length;
        }
        Weights = weights;
        ImagesPerClass = before;
        ExpectedImagesPerClass = new SortedDictionary<int, double>(after);
    }

    /// <summary>One weight per sample (unnormalised).</summary>
    public IReadOnlyList<double> Weights { get; }

    /// <summary>Training images holding each class (before balancing).</summary>
    public IReadOnlyDictionary<int, int> ImagesPerClass { get; }

    /// <summary>Images holding each class that one balanced epoch draws, in expectation.</summary>
    public IReadOnlyDictionary<int, double> ExpectedImagesPerClass { get; }

    /// <summary>The sampler of a VOC-style set, counting the objects training uses.</summary>
    public static BalancedSampler For(IReadOnlyList<AnnotatedImage> samples, bool keepDifficult)
    {
        ArgumentNullException.ThrowIfNull(samples);
        return new BalancedSampler(samples.Select(s => (IReadOnlyCollection<int>)s.TrainingObjects(keepDifficult).Select(o => o.ClassId).ToArray()).ToList());
    }

    /// <summary>
    /// One epoch's draws: sample indices, as many as there are samples, from a stream seeded by (seed, epoch) alone,
    /// so the same seed gives the same order.
    /// </summary>
    public int[] EpochOrder(ulong seed, int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        var rng = new SplitMix64(LoaderSeeds.Balanced(seed, epoch));
        var order = new int[cumulative.Length];
        for (var k = 0; k < order.Length; k++)
        {
            // 53 random bits as a double in [0, 1).
            var u = (rng.NextUInt64() >> 11) * (1.0 / (1UL << 53));
            var i = Array.BinarySearch(cumulative, u);
            if (i < 0) i = ~i;
            order[k] = Math.Min(i, cumulative.Length - 1);
        }
        return order;
    }

    /// <summary>"cat 120 -> 60.0, dog 10 -> 60.0": images per class before and drawn per epoch after.</summary>
    public string Describe(Func<int, string> className)
    {
        ArgumentNullException.ThrowIfNull(className);
        return string.Join(", ", ImagesPerClass.Select(kv => string.Create(CultureInfo.InvariantCulture,
            $"{className(kv.Key)} {kv.Value} -> {ExpectedImagesPerClass[kv.Key]:F1}")));
    }
}
