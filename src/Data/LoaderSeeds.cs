namespace SsdLite.Data;

/// <summary>
/// The seeds a <see cref="DataLoader{TSample}"/> derives from its run seed. They depend only on the run seed,
/// the epoch and the sample, never on worker count or timing, so runs repeat exactly.
/// </summary>
public static class LoaderSeeds
{
    private const ulong ShuffleStream = 1;
    private const ulong SampleStream = 2;
    private const ulong BalancedStream = 3;
    private const ulong DrawStream = 4;

    /// <summary>The seed of the shuffle of one epoch.</summary>
    public static ulong Shuffle(ulong seed, int epoch) => SplitMix64.Hash(seed, ShuffleStream, (ulong)epoch);

    /// <summary>
    /// The augmentation seed of one sample in one epoch. <paramref name="attempt"/> is 0 for the sample in its
    /// own place and k for the k-th replacement of a failed sample, so a replacement is not a copy.
    /// </summary>
    public static ulong Sample(ulong seed, int epoch, int sampleIndex, int attempt = 0) =>
        SplitMix64.Hash(seed, SampleStream, (ulong)epoch, (ulong)sampleIndex, (ulong)attempt);

    /// <summary>The seed of one epoch's balanced draws (<see cref="BalancedSampler"/>).</summary>
    public static ulong Balanced(ulong seed, int epoch) => SplitMix64.Hash(seed, BalancedStream, (ulong)epoch);

    /// <summary>
    /// The augmentation seed of the draw at <paramref name="position"/> of a balanced epoch: an image drawn twice in
    /// one epoch is augmented two ways.
    /// </summary>
    public static ulong Draw(ulong seed, int epoch, int position, int attempt = 0) =>
        SplitMix64.Hash(seed, DrawStream, (ulong)epoch, (ulong)position, (ulong)attempt);

    /// <summary>The order in which an epoch visits the samples: a seeded Fisher–Yates shuffle, or 0..count-1.</summary>
    public static int[] EpochOrder(int count, ulong seed, int epoch, bool shuffle)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int[] order = Enumerable.Range(0, count).ToArray();
        if (!shuffle)
        {
            return order;
        }
        var rng = new SplitMix64(Shuffle(seed, epoch));
        for (int i = count - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
