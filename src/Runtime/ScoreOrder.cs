namespace SsdLite.Runtime;

/// <summary>
/// Orders items by score descending, then by index ascending, without allocating comparers: each item
/// becomes one 64-bit key (the score's bits made order-preserving and inverted, then the index) and the
/// keys sort ascending, which gives exactly that order.
/// </summary>
internal static class ScoreOrder
{
    /// <summary>Writes the indices of <paramref name="scores"/> in score-descending, index-ascending order.</summary>
    public static void Sort(ReadOnlySpan<float> scores, Span<ulong> keys, Span<int> order)
    {
        for (var k = 0; k < scores.Length; k++)
        {
            keys[k] = Key(scores[k], k);
        }

        var used = keys[..scores.Length];
        used.Sort();
        for (var k = 0; k < used.Length; k++)
        {
            order[k] = IndexOf(used[k]);
        }
    }

    /// <summary>The items in score-descending, index-ascending order (a stable sort by score).</summary>
    public static T[] Rank<T>(IReadOnlyList<T> items, Func<T, float> score)
    {
        var keys = new ulong[items.Count];
        for (var k = 0; k < keys.Length; k++)
        {
            keys[k] = Key(score(items[k]), k);
        }

        Array.Sort(keys);
        var ranked = new T[keys.Length];
        for (var k = 0; k < keys.Length; k++)
        {
            ranked[k] = items[IndexOf(keys[k])];
        }

        return ranked;
    }

    public static ulong Key(float score, int index) =>
        ((ulong)~OrderPreserving(score) << 32) | (uint)index;

    public static int IndexOf(ulong key) => (int)(uint)key;

    // Flips a float's bits so that unsigned integer order equals numeric order (negatives reversed).
    private static uint OrderPreserving(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value == 0f ? 0f : value);
        return (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
    }
}
