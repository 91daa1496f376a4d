namespace SsdLite.Export.Triton;

/// <summary>How <see cref="TritonRepository"/> configures a model for Triton's scheduler.</summary>
public sealed record TritonRepositoryOptions
{
    /// <summary>The model's folder and name in Triton's routes.</summary>
    public required string ModelName { get; init; }

    /// <summary>Triton's max_batch_size: the most requests its dynamic batcher joins into one ONNX Runtime call.</summary>
    public required int MaxBatchSize { get; init; }

    /// <summary>Batch sizes the dynamic batcher runs at once when it can form them (preferred_batch_size).</summary>
    public required IReadOnlyList<int> PreferredBatchSizes { get; init; }

    /// <summary>How long a request may wait for others to join its batch (max_queue_delay_microseconds).</summary>
    public required ulong MaxQueueDelayMicroseconds { get; init; }

    /// <summary>Model instances in the one CPU instance group.</summary>
    public int InstanceCount { get; init; } = 1;

    /// <summary>The version folder the model goes in.</summary>
    public int Version { get; init; } = 1;

    /// <exception cref="ArgumentException">a name Triton would not take, or a size out of range</exception>
    public void Validate()
    {
        TritonModelName.Validate(ModelName);
        if (MaxBatchSize < 1) throw new ArgumentException($"--max-batch must be at least 1, got {MaxBatchSize}");
        if (PreferredBatchSizes.Count == 0 || PreferredBatchSizes.Any(b => b < 1 || b > MaxBatchSize))
            throw new ArgumentException($"preferred batch sizes must be 1..{MaxBatchSize} (the max batch size), got [{string.Join(", ", PreferredBatchSizes)}]");
        if (InstanceCount < 1) throw new ArgumentException($"the instance count must be at least 1, got {InstanceCount}");
        if (Version < 1) throw new ArgumentException($"the model version must be at least 1, got {Version}");
    }
}
