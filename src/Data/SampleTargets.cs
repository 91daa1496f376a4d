namespace SsdLite.Data;

/// <summary>One transformed image's objects, ready for a <see cref="TargetEncoder"/>.</summary>
/// <param name="BoxesRelCorner">4 values per object: xmin, ymin, xmax, ymax relative to the network input (0..1).</param>
/// <param name="Labels">Class id per object, 1..N.</param>
/// <param name="Difficult">Difficult flag per object.</param>
public readonly record struct SampleTargets(float[] BoxesRelCorner, int[] Labels, bool[] Difficult)
{
    /// <summary>A background-only image.</summary>
    public static SampleTargets Empty => new([], [], []);

    /// <summary>Throws <see cref="InvalidDataException"/> unless the three arrays describe the same objects.</summary>
    public void Validate()
    {
        if (BoxesRelCorner is null || Labels is null || Difficult is null)
        {
            throw new InvalidDataException("sample targets: an array is null");
        }
        if (BoxesRelCorner.Length != 4 * Labels.Length || Difficult.Length != Labels.Length)
        {
            throw new InvalidDataException(
                $"sample targets disagree: {BoxesRelCorner.Length} box values, {Labels.Length} labels, {Difficult.Length} difficult flags");
        }
    }
}
