namespace SsdLite.Backbone;

/// <summary>
/// BatchNorm2d as TorchSharp's, except that the batch counter is advanced with the process-wide <see cref="HeldScalars.One"/>. TorchSharp
/// 0.107's own forward calls <c>num_batches_tracked.add_(1)</c>, which converts 1 into two temporary native Scalars
/// that nothing keeps alive during the call; a garbage collection in that window lets the finalizer thread free them
/// while libtorch reads them ("Expected false to be true ... toLong", seen in a 10-epoch demo). The state and its
/// keys (weight, bias, running_mean, running_var, num_batches_tracked) are the same.
/// </summary>
public sealed class HeldScalarBatchNorm2d : BatchNorm
{
    /// <summary>A BatchNorm2d over <paramref name="numFeatures"/> channels with PyTorch's defaults.</summary>
    public HeldScalarBatchNorm2d(long numFeatures, double eps = 1e-5, double momentum = 0.1)
        : base(numFeatures, eps, momentum, affine: true, track_running_stats: true, device: null, dtype: null, name: "BatchNorm2d")
    {
    }

    /// <inheritdoc />
    protected override void ValidateInputDimensions(Tensor input)
    {
        if (input.ndim != 4) throw new ArgumentException($"expected 4D input, but got {input.ndim}D input.");
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        var factor = momentum ?? 0.0;
        if (training && track_running_stats && num_batches_tracked is not null)
        {
            num_batches_tracked.add_(HeldScalars.One, HeldScalars.One);
            if (momentum is null) factor = 1.0 / num_batches_tracked.item<long>();
        }
        var useBatchStatistics = training || (running_mean is null && running_var is null);
        var keepRunning = !training || track_running_stats;
        return F.batch_norm(input, keepRunning ? running_mean : null, keepRunning ? running_var : null, weight, bias,
            useBatchStatistics, factor, eps);
    }
}
