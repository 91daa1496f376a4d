namespace SsdLite.Detection;

/// <summary>The two parts of the SSD loss, each already divided by the number of positives.</summary>
public sealed record MultiBoxLossParts(Tensor Regression, Tensor Classification) : IDisposable
{
    /// <summary>Regression plus classification.</summary>
    public Tensor Total() => Regression + Classification;

    /// <summary>Frees both tensors.</summary>
    public void Dispose()
    {
        Regression.Dispose();
        Classification.Dispose();
    }
}

/// <summary>
/// SSD's MultiBox loss: smooth L1 over positive priors plus cross entropy over positives and the hardest
/// negatives (ranked by background loss, <see cref="NegPosRatio"/> per positive), both divided by the number of
/// positives (at least 1). Labels: 0 background, k &gt; 0 an object class, −1 ignored (matched to a difficult
/// object: neither positive nor negative). An image without positives still contributes
/// <see cref="MinNegativesPerImage"/> negatives, so background-only images teach the background too.
/// </summary>
public sealed class MultiBoxLoss
{
    /// <summary>
    /// SSD's loss with <paramref name="negPosRatio"/> negatives per positive and at least <paramref
    /// name="minNegativesPerImage"/> per image.
    /// </summary>
    public MultiBoxLoss(int negPosRatio = 3, int minNegativesPerImage = 3)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(negPosRatio);
        ArgumentOutOfRangeException.ThrowIfNegative(minNegativesPerImage);
        NegPosRatio = negPosRatio;
        MinNegativesPerImage = minNegativesPerImage;
    }

    /// <summary>Hard negatives kept per positive prior.</summary>
    public int NegPosRatio { get; }

    /// <summary>Negatives kept in an image without positives.</summary>
    public int MinNegativesPerImage { get; }

    /// <param name="confidences">(N, P, C) logits.</param>
    /// <param name="locations">(N, P, 4) predicted offsets.</param>
    /// <param name="labels">(N, P) int64 targets.</param>
    /// <param name="gtLocations">(N, P, 4) encoded target offsets.</param>
    public MultiBoxLossParts Compute(Tensor confidences, Tensor locations, Tensor labels, Tensor gtLocations)
    {
        ArgumentNullException.ThrowIfNull(confidences);
        ArgumentNullException.ThrowIfNull(locations);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(gtLocations);
        using var scope = NewDisposeScope();
        using var scalars = new HeldScalars();
        var positive = labels.gt(scalars.Of(0L));
        var negatives = HardNegatives(confidences, labels, positive);
        var selected = positive.logical_or(negatives);
        var numClasses = confidences.size(2);
        var cls = F.cross_entropy(confidences.index(selected).reshape(-1, numClasses), labels.index(selected), reduction: nn.Reduction.Sum);
        var reg = F.smooth_l1_loss(locations.index(positive), gtLocations.index(positive), nn.Reduction.Sum);
        var numPositives = Math.Max(1L, positive.sum().item<long>());
        var regression = reg.div(scalars.Of(numPositives)).MoveToOuterDisposeScope();
        var classification = cls.div(scalars.Of(numPositives)).MoveToOuterDisposeScope();
        return new MultiBoxLossParts(regression, classification);
    }

    /// <summary>
    /// Per image, the <c>max(ratio · positives, minimum)</c> background priors with the highest background loss;
    /// positives and ignored priors are never negatives. The caller owns the returned mask.
    /// </summary>
    public Tensor HardNegatives(Tensor confidences, Tensor labels, Tensor positive)
    {
        ArgumentNullException.ThrowIfNull(confidences);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(positive);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        using var scalars = new HeldScalars();
        var backgroundLoss = F.log_softmax(confidences, 2).select(2, 0).neg();
        var eligible = labels.eq(scalars.Of(0L));
        var ranked = backgroundLoss.masked_fill(eligible.logical_not(), scalars.Of(double.NegativeInfinity));
        var (_, order) = ranked.sort(1, descending: true, stable: true);
        var (_, rank) = order.sort(1);
        var numNeg = positive.sum(1, keepdim: true).mul(scalars.Of((long)NegPosRatio)).clamp_min(scalars.Of((long)MinNegativesPerImage));
        return rank.lt(numNeg).logical_and(eligible).MoveToOuterDisposeScope();
    }
}
