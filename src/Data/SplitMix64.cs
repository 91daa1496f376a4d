namespace SsdLite.Data;

/// <summary>
/// Steele, Lea and Flood's SplitMix64 generator. The loader uses it instead of <see cref="Random"/>, whose
/// algorithm .NET does not specify, so that a seed gives the same shuffles and augmentations on every
/// runtime version and machine.
/// </summary>
public struct SplitMix64
{
    private const ulong Gamma = 0x9E3779B97F4A7C15;
    private ulong _state;

    /// <summary>Starts the sequence at <paramref name="seed"/>.</summary>
    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        _state += Gamma;
        return Mix(_state);
    }

    /// <summary>A uniform integer in [0, <paramref name="bound"/>), without modulo bias.</summary>
    public int NextInt(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bound, 1);
        ulong n = (ulong)bound;
        // Reject the top partial range of 2^64 so every residue is equally likely.
        ulong limit = ulong.MaxValue - (ulong.MaxValue % n + 1) % n;
        ulong value;
        do
        {
            value = NextUInt64();
        }
        while (value > limit);
        return (int)(value % n);
    }

    /// <summary>The SplitMix64 output function: a bijective mix of all 64 bits.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>Hashes a sequence of values into one seed; each step is a SplitMix64 step keyed by the value.</summary>
    public static ulong Hash(ulong seed, params ReadOnlySpan<ulong> values)
    {
        ulong h = Mix(seed + Gamma);
        foreach (ulong v in values)
        {
            h = Mix(h + Gamma + v);
        }
        return h;
    }
}
