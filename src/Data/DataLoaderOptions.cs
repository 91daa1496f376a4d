namespace SsdLite.Data;

/// <summary>Settings of a <see cref="DataLoader{TSample}"/>.</summary>
public sealed class DataLoaderOptions
{
    /// <summary>Images per batch.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Network input side S (images are 3×S×S).</summary>
    public int ImageSize { get; init; } = 300;

    /// <summary>Number of priors P the target encoder fills per image.</summary>
    public required int PriorCount { get; init; }

    /// <summary>Worker threads assembling batches. Results do not depend on it.</summary>
    public int Workers { get; init; } = 2;

    /// <summary>Batches assembled ahead of the consumer, at most; also the number of host buffers.</summary>
    public int Prefetch { get; init; } = 4;

    /// <summary>Shuffle the samples each epoch (training); off for evaluation.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>
    /// Draws each epoch's samples with this sampler (with replacement) instead of shuffling them; null: each
    /// sample once per epoch. It must have been built for the loader's samples.
    /// </summary>
    public BalancedSampler? Sampler { get; init; }

    /// <summary>Seed of the shuffles and the augmentation seeds.</summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// Leave out the last incomplete batch (on by default: BatchNorm on the 1×1 extra maps needs more than
    /// one value per channel, which a batch of one image does not give).
    /// </summary>
    public bool DropLast { get; init; } = true;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(ImageSize, 1, nameof(ImageSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(PriorCount, 1, nameof(PriorCount));
        ArgumentOutOfRangeException.ThrowIfLessThan(Workers, 1, nameof(Workers));
        ArgumentOutOfRangeException.ThrowIfLessThan(Prefetch, 1, nameof(Prefetch));
    }
}
