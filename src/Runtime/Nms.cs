using System.Buffers;

namespace SsdLite.Runtime;

/// <summary>
/// Non-maximum suppression over corner boxes (4 values each) and their scores. Candidates are ranked by
/// score descending then index ascending, and only the best <c>candidateSize</c> are considered
/// (<c>candidateSize</c> &lt;= 0: all). <c>topK</c> &lt;= 0 means no limit on kept boxes.
/// </summary>
public static class Nms
{
    /// <summary>
    /// Greedy hard NMS: a candidate is dropped when its IoU with an already kept box is greater than
    /// <paramref name="iouThreshold"/> (equal is kept). Writes the kept indices, best first, to
    /// <paramref name="keep"/> and returns how many.
    /// </summary>
    public static int Hard(
        ReadOnlySpan<float> boxes,
        ReadOnlySpan<float> scores,
        float iouThreshold,
        int candidateSize,
        int topK,
        Span<int> keep)
    {
        Validate(boxes, scores);
        var limit = KeepLimit(scores.Length, candidateSize, topK);
        CheckKeepSpace(keep, limit);
        if (scores.IsEmpty)
        {
            return 0;
        }

        var orderRent = ArrayPool<int>.Shared.Rent(scores.Length);
        var keysRent = ArrayPool<ulong>.Shared.Rent(scores.Length);
        try
        {
            var order = orderRent.AsSpan(0, scores.Length);
            ScoreOrder.Sort(scores, keysRent, order);
            var candidates = order[..CandidateCount(scores.Length, candidateSize)];
            return KeepUnsuppressed(boxes, candidates, iouThreshold, limit, keep);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(orderRent);
            ArrayPool<ulong>.Shared.Return(keysRent);
        }
    }

    /// <summary>
    /// Gaussian soft-NMS as the reference computes it: repeatedly keep the best remaining box, multiply
    /// every other remaining score by exp(-iou² / <paramref name="sigma"/>) and drop those no longer above
    /// <paramref name="scoreThreshold"/>. Ties pick the lowest index. Writes kept indices and their decayed
    /// scores, in keeping order, and returns how many. Unlike the reference, <paramref name="candidateSize"/>
    /// bounds the O(n²) work here too.
    /// </summary>
    public static int Soft(
        ReadOnlySpan<float> boxes,
        ReadOnlySpan<float> scores,
        float sigma,
        float scoreThreshold,
        int candidateSize,
        int topK,
        Span<int> keep,
        Span<float> keptScores)
    {
        Validate(boxes, scores);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sigma);
        var limit = KeepLimit(scores.Length, candidateSize, topK);
        CheckKeepSpace(keep, limit);
        CheckKeepSpace(keptScores, limit);
        if (scores.IsEmpty)
        {
            return 0;
        }

        var orderRent = ArrayPool<int>.Shared.Rent(scores.Length);
        var keysRent = ArrayPool<ulong>.Shared.Rent(scores.Length);
        var liveRent = ArrayPool<float>.Shared.Rent(scores.Length);
        try
        {
            var order = orderRent.AsSpan(0, scores.Length);
            ScoreOrder.Sort(scores, keysRent, order);
            var count = CandidateCount(scores.Length, candidateSize);
            var live = liveRent.AsSpan(0, count);
            for (var k = 0; k < count; k++)
            {
                live[k] = scores[order[k]];
            }

            return DecayAndKeep(boxes, order[..count], live, sigma, scoreThreshold, limit, keep, keptScores);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(orderRent);
            ArrayPool<ulong>.Shared.Return(keysRent);
            ArrayPool<float>.Shared.Return(liveRent);
        }
    }

    /// <summary>The most boxes either method can keep for these arguments: size the keep buffers with it.</summary>
    public static int KeepLimit(int count, int candidateSize, int topK)
    {
        var limit = CandidateCount(count, candidateSize);
        return topK > 0 ? Math.Min(limit, topK) : limit;
    }

    private static int CandidateCount(int count, int candidateSize) =>
        candidateSize > 0 ? Math.Min(count, candidateSize) : count;

    private static int KeepUnsuppressed(
        ReadOnlySpan<float> boxes,
        ReadOnlySpan<int> candidates,
        float iouThreshold,
        int limit,
        Span<int> keep)
    {
        var kept = 0;
        foreach (var candidate in candidates)
        {
            if (kept == limit)
            {
                break;
            }

            if (!OverlapsKept(boxes, candidate, keep[..kept], iouThreshold))
            {
                keep[kept++] = candidate;
            }
        }

        return kept;
    }

    private static bool OverlapsKept(ReadOnlySpan<float> boxes, int candidate, ReadOnlySpan<int> kept, float iouThreshold)
    {
        var box = boxes.Slice(candidate * 4, 4);
        foreach (var k in kept)
        {
            if (BoxMath.Iou(box, boxes.Slice(k * 4, 4)) > iouThreshold)
            {
                return true;
            }
        }

        return false;
    }

    // live[k] is the current score of candidates[k]; a kept or dropped candidate is marked NaN.
    private static int DecayAndKeep(
        ReadOnlySpan<float> boxes,
        ReadOnlySpan<int> candidates,
        Span<float> live,
        float sigma,
        float scoreThreshold,
        int limit,
        Span<int> keep,
        Span<float> keptScores)
    {
        var kept = 0;
        while (kept < limit)
        {
            var best = BestLive(candidates, live);
            if (best < 0)
            {
                break;
            }

            keep[kept] = candidates[best];
            keptScores[kept] = live[best];
            kept++;
            live[best] = float.NaN;
            Decay(boxes, candidates, live, boxes.Slice(candidates[best] * 4, 4), sigma, scoreThreshold);
        }

        return kept;
    }

    private static int BestLive(ReadOnlySpan<int> candidates, ReadOnlySpan<float> live)
    {
        var best = -1;
        for (var k = 0; k < live.Length; k++)
        {
            if (float.IsNaN(live[k]))
            {
                continue;
            }

            if (best < 0 || live[k] > live[best] || (live[k] == live[best] && candidates[k] < candidates[best]))
            {
                best = k;
            }
        }

        return best;
    }

    private static void Decay(
        ReadOnlySpan<float> boxes,
        ReadOnlySpan<int> candidates,
        Span<float> live,
        ReadOnlySpan<float> keptBox,
        float sigma,
        float scoreThreshold)
    {
        for (var k = 0; k < live.Length; k++)
        {
            if (float.IsNaN(live[k]))
            {
                continue;
            }

            var iou = BoxMath.Iou(keptBox, boxes.Slice(candidates[k] * 4, 4));
            var decayed = live[k] * MathF.Exp(-(iou * iou) / sigma);
            live[k] = decayed > scoreThreshold ? decayed : float.NaN;
        }
    }

    private static void Validate(ReadOnlySpan<float> boxes, ReadOnlySpan<float> scores)
    {
        if (boxes.Length != scores.Length * 4)
        {
            throw new ArgumentException(
                $"{scores.Length} scores need {scores.Length * 4} box values, got {boxes.Length}.", nameof(boxes));
        }
    }

    private static void CheckKeepSpace<T>(Span<T> buffer, int limit)
    {
        if (buffer.Length < limit)
        {
            throw new ArgumentException($"The output buffer holds {buffer.Length} values; up to {limit} may be kept.", nameof(buffer));
        }
    }
}
