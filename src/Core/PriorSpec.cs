namespace SsdLite.Core;

/// <summary>
/// The reference's prior and box-coding numbers, kept in one place so that checkpoints can carry them.
/// </summary>
public sealed record PriorSpec(
    int ImageSize,
    IReadOnlyList<BoxSpec> Sources,
    IReadOnlyList<float> AspectRatios,
    float CenterVariance,
    float SizeVariance)
{
    /// <summary>The MobileNetV2 SSD-Lite numbers of the reference at 300x300.</summary>
    public static PriorSpec Reference { get; } = new(
        300,
        [
            new BoxSpec(19, 16, 60, 105),
            new BoxSpec(10, 32, 105, 150),
            new BoxSpec(5, 64, 150, 195),
            new BoxSpec(3, 100, 195, 240),
            new BoxSpec(2, 150, 240, 285),
            new BoxSpec(1, 300, 285, 330),
        ],
        [2f, 3f],
        0.1f,
        0.2f);

    /// <summary>Boxes per cell: two squares, then a pair per aspect ratio.</summary>
    public int PriorsPerCell => 2 + (2 * AspectRatios.Count);

    /// <summary>Total priors when every source has its spec feature size (3000 for the reference).</summary>
    public int PriorCount
    {
        get
        {
            var cells = 0;
            foreach (var source in Sources)
            {
                cells += source.FeatureMapSize * source.FeatureMapSize;
            }

            return cells * PriorsPerCell;
        }
    }

    /// <summary>The feature map sizes of the table, in source order.</summary>
    public int[] FeatureMapSizes()
    {
        var sizes = new int[Sources.Count];
        for (var k = 0; k < sizes.Length; k++)
        {
            sizes[k] = Sources[k].FeatureMapSize;
        }

        return sizes;
    }
}
