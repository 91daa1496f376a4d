using System.Buffers;
using SsdLite.Runtime;

namespace SsdLite.Core;

/// <summary>
/// SSD target assignment: every prior takes the ground truth it overlaps most, every ground truth forces
/// its best prior, and priors whose best IoU is under the threshold become background. The result is
/// the training target of one image: class labels per prior and offsets encoded by a <see cref="BoxCoder"/>.
/// </summary>
/// <remarks>
/// Ties follow the reference (torch's max returns the first maximum): a prior prefers the lowest ground
/// truth index, a ground truth the lowest prior index, and when two ground truths force the same prior the
/// later one wins. Unlike the reference's IoU (which adds 1e-5 to the union) an IoU of exactly the
/// threshold counts as a match. Priors matched to a difficult object get label -1 (ignored by the loss);
/// priors that merely overlap one below the threshold stay background. Safe to call from several threads.
/// </remarks>
public sealed class Matcher
{
    private readonly float[] priorsCenter;
    private readonly float[] priorsCorner;
    private readonly BoxCoder coder;

    /// <summary>
    /// A matcher over priors in centre form (4 values each, relative to the input), encoding with <paramref
    /// name="coder"/>.
    /// </summary>
    public Matcher(ReadOnlySpan<float> priorsCenter, BoxCoder coder, float iouThreshold = 0.5f)
    {
        ArgumentNullException.ThrowIfNull(coder);
        BoxMath.CheckPackedLength(priorsCenter, nameof(priorsCenter));
        if (priorsCenter.IsEmpty)
        {
            throw new ArgumentException("At least one prior is needed.", nameof(priorsCenter));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(iouThreshold);
        this.priorsCenter = priorsCenter.ToArray();
        priorsCorner = new float[priorsCenter.Length];
        BoxMath.CenterToCorner(priorsCenter, priorsCorner);
        this.coder = coder;
        IouThreshold = iouThreshold;
    }

    /// <summary>The number of priors.</summary>
    public int PriorCount => priorsCenter.Length / 4;

    /// <summary>The IoU from which a prior is matched to a ground-truth box.</summary>
    public float IouThreshold { get; }

    /// <summary>
    /// Encodes one image's ground truth. <paramref name="boxesCorner"/> holds G corner boxes relative to
    /// the input (4 values each), <paramref name="labels"/> G class ids (1-based), <paramref name="difficult"/>
    /// G flags or nothing (none difficult). Writes P*4 offsets and P labels (0 background, -1 ignored).
    /// Offsets of background priors are those to their best-overlapping ground truth (zero without any).
    /// </summary>
    public void Encode(
        ReadOnlySpan<float> boxesCorner,
        ReadOnlySpan<int> labels,
        ReadOnlySpan<bool> difficult,
        Span<float> locOut,
        Span<long> labelOut)
    {
        ValidateEncode(boxesCorner, labels, difficult, locOut, labelOut);
        var priorCount = PriorCount;
        if (labels.IsEmpty)
        {
            locOut[..(priorCount * 4)].Clear();
            labelOut[..priorCount].Clear();
            return;
        }

        var bestIouRent = ArrayPool<float>.Shared.Rent(priorCount);
        var bestGtRent = ArrayPool<int>.Shared.Rent(priorCount);
        var bestPriorRent = ArrayPool<int>.Shared.Rent(labels.Length);
        try
        {
            var bestIou = bestIouRent.AsSpan(0, priorCount);
            var bestGt = bestGtRent.AsSpan(0, priorCount);
            var bestPrior = bestPriorRent.AsSpan(0, labels.Length);
            FindBestMatches(boxesCorner, bestIou, bestGt, bestPrior);
            ForceBestPriors(bestPrior, bestIou, bestGt);
            WriteLabels(labels, difficult, bestIou, bestGt, labelOut);
            WriteLocations(boxesCorner, bestGt, locOut);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(bestIouRent);
            ArrayPool<int>.Shared.Return(bestGtRent);
            ArrayPool<int>.Shared.Return(bestPriorRent);
        }
    }

    private void ValidateEncode(
        ReadOnlySpan<float> boxesCorner,
        ReadOnlySpan<int> labels,
        ReadOnlySpan<bool> difficult,
        Span<float> locOut,
        Span<long> labelOut)
    {
        if (boxesCorner.Length != labels.Length * 4)
        {
            throw new ArgumentException(
                $"{labels.Length} labels need {labels.Length * 4} box values, got {boxesCorner.Length}.", nameof(boxesCorner));
        }

        if (!difficult.IsEmpty && difficult.Length != labels.Length)
        {
            throw new ArgumentException(
                $"Expected {labels.Length} difficult flags (or none), got {difficult.Length}.", nameof(difficult));
        }

        if (locOut.Length < PriorCount * 4)
        {
            throw new ArgumentException($"Need {PriorCount * 4} location values, got {locOut.Length}.", nameof(locOut));
        }

        if (labelOut.Length < PriorCount)
        {
            throw new ArgumentException($"Need {PriorCount} labels, got {labelOut.Length}.", nameof(labelOut));
        }

        foreach (var label in labels)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(label, nameof(labels));
        }
    }

    // One pass per ground truth keeps the scratch at O(P) instead of a G x P IoU matrix.
    private void FindBestMatches(ReadOnlySpan<float> boxesCorner, Span<float> bestIou, Span<int> bestGt, Span<int> bestPrior)
    {
        bestIou.Fill(float.NegativeInfinity);
        bestGt.Clear();
        for (var g = 0; g < bestPrior.Length; g++)
        {
            var gt = boxesCorner.Slice(g * 4, 4);
            var gtBestIou = float.NegativeInfinity;
            var gtBestPrior = 0;
            for (var p = 0; p < bestIou.Length; p++)
            {
                var iou = BoxMath.Iou(gt, priorsCorner.AsSpan(p * 4, 4));
                if (iou > bestIou[p])
                {
                    bestIou[p] = iou;
                    bestGt[p] = g;
                }

                if (iou > gtBestIou)
                {
                    gtBestIou = iou;
                    gtBestPrior = p;
                }
            }

            bestPrior[g] = gtBestPrior;
        }
    }

    // Forced priors get an IoU above any threshold so they stay positive, as in the reference.
    private static void ForceBestPriors(ReadOnlySpan<int> bestPrior, Span<float> bestIou, Span<int> bestGt)
    {
        for (var g = 0; g < bestPrior.Length; g++)
        {
            bestGt[bestPrior[g]] = g;
            bestIou[bestPrior[g]] = 2f;
        }
    }

    private void WriteLabels(
        ReadOnlySpan<int> labels,
        ReadOnlySpan<bool> difficult,
        ReadOnlySpan<float> bestIou,
        ReadOnlySpan<int> bestGt,
        Span<long> labelOut)
    {
        for (var p = 0; p < bestIou.Length; p++)
        {
            var g = bestGt[p];
            if (bestIou[p] < IouThreshold)
            {
                labelOut[p] = 0;
            }
            else
            {
                labelOut[p] = !difficult.IsEmpty && difficult[g] ? -1 : labels[g];
            }
        }
    }

    private void WriteLocations(ReadOnlySpan<float> boxesCorner, ReadOnlySpan<int> bestGt, Span<float> locOut)
    {
        for (var p = 0; p < bestGt.Length; p++)
        {
            coder.EncodeOne(boxesCorner.Slice(bestGt[p] * 4, 4), priorsCenter.AsSpan(p * 4, 4), locOut.Slice(p * 4, 4));
        }
    }
}
