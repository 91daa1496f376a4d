namespace SsdLite.Core;

/// <summary>
/// The reference's prior and box-coding numbers, kept in one place so that checkpoints can carry them.
/// </summary>
public sealed record PriorSpec(
    int ImageSize,
    IReadOnlyList<FeatureMapPriors> Sources,
    IReadOnlyList<float> AspectRatios,
    float CenterVariance,
    float SizeVariance)
{
    /// <summary>The MobileNetV2 SSD-Lite numbers of the reference at 300x300.</summary>
    public static PriorSpec Reference { get; } = new(
        300,
        [
            new FeatureMapPriors(19, 16, 60, 105),
            new FeatureMapPriors(10, 32, 105, 150),
            new FeatureMapPriors(5, 64, 150, 195),
            new FeatureMapPriors(3, 100, 195, 240),
            new FeatureMapPriors(2, 150, 240, 285),
            new FeatureMapPriors(1, 300, 285, 330),
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
