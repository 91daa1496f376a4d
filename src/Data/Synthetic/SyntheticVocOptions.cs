namespace SsdLite.Data.Synthetic;

/// <summary>Settings of <see cref="SyntheticVoc.Generate"/>; the same settings give byte-identical files.</summary>
public sealed record SyntheticVocOptions
{
    /// <summary>How many images.</summary>
    public int Images { get; init; } = 200;

    /// <summary>The nominal image width; each image's sides vary by up to <see cref="SizeJitter"/> around it.</summary>
    public int Width { get; init; } = 300;

    /// <summary>Image height in pixels.</summary>
    public int Height { get; init; } = 300;

    /// <summary>Relative variation of each side (0.2: 240..360 for 300); 0 gives every image the nominal size.</summary>
    public double SizeJitter { get; init; } = 0.2;

    /// <summary>The seed every image is drawn from.</summary>
    public int Seed { get; init; }

    /// <summary>Fractions of images in train and val; the rest is test. trainval is train plus val.</summary>
    public double TrainFraction { get; init; } = 0.6;

    /// <summary>The fraction of images in the val split.</summary>
    public double ValFraction { get; init; } = 0.2;

    /// <summary>Most objects drawn per image (before occlusion drops some).</summary>
    public int MaxObjects { get; init; } = 6;

    /// <summary>Share of images drawn without any object.</summary>
    public double EmptyFraction { get; init; } = 0.04;

    /// <summary>Blended blobs and lines over the gradient background; off gives an easier set (quick tests).</summary>
    public bool Clutter { get; init; } = true;

    /// <summary>Share of objects drawn tiny (3-6% of the image side), annotated difficult.</summary>
    public double TinyFraction { get; init; } = 0.08;

    /// <summary>The JPEG quality of the written images.</summary>
    public int JpegQuality { get; init; } = 90;

    /// <summary>
    /// The shapes drawn, a subset of <see cref="SyntheticVoc.ClassNames"/> in any order (labels.txt lists them in
    /// that order); null draws all six. Two sets with disjoint classes stand for a source and a target domain.
    /// </summary>
    public IReadOnlyList<string>? Classes { get; init; }

    /// <summary>The annotations' &lt;folder&gt;.</summary>
    public string DatasetName { get; init; } = "SYNTHETIC";

    internal void Validate()
    {
        if (Images <= 0 || Width < 32 || Height < 32 || SizeJitter is < 0 or >= 0.9 || MaxObjects < 1 || JpegQuality is < 1 or > 100)
        {
            throw new ArgumentException($"invalid synthetic dataset options: {this}");
        }

        if (Classes is { } classes && (classes.Count == 0 || classes.Distinct().Count() != classes.Count
            || classes.Any(c => !SyntheticVoc.ClassNames.Contains(c))))
        {
            throw new ArgumentException($"synthetic classes [{string.Join(", ", classes)}] must be distinct names among {string.Join(", ", SyntheticVoc.ClassNames)}");
        }

        if (TrainFraction < 0 || ValFraction < 0 || TrainFraction + ValFraction > 1)
        {
            throw new ArgumentException($"split fractions {TrainFraction} + {ValFraction} must be non-negative and at most 1");
        }
    }
}

/// <summary>One object of a synthetic image: class, visible box (0-based inclusive pixels) and flags.</summary>
public readonly record struct SyntheticObject(int ClassIndex, int XMin, int YMin, int XMax, int YMax, bool Truncated, bool Difficult);

/// <summary>What <see cref="SyntheticVoc.Generate"/> wrote.</summary>
public sealed record SyntheticVocSummary(int Images, int Objects, int Train, int Val, int Test);
