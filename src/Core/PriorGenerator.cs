namespace SsdLite.Core;

/// <summary>
/// Makes the SSD priors (default boxes) in center form (cx, cy, w, h), relative to the input image and
/// clamped to [0, 1], in the order the heads emit them.
/// </summary>
public static class PriorGenerator
{
    /// <summary>The priors at the spec's own image size, with the table's feature sizes and shrinkages.</summary>
    public static float[] Generate(PriorSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Generate(spec, spec.ImageSize, spec.FeatureMapSizes());
    }

    /// <summary>
    /// The priors for an input of <paramref name="inputSize"/> pixels whose sources have the given feature
    /// map sizes (they come from the network). At the spec's image size with the table's feature sizes the
    /// table's shrinkages place the centres; otherwise centres are (j + 0.5) / f and box sizes scale by
    /// inputSize / spec.ImageSize.
    /// </summary>
    public static float[] Generate(PriorSpec spec, int inputSize, ReadOnlySpan<int> featureMapSizes)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ValidateArguments(spec, inputSize, featureMapSizes);

        var perCell = spec.PriorsPerCell;
        var priors = new float[CountCells(featureMapSizes) * perCell * 4];
        var offset = 0;
        for (var k = 0; k < featureMapSizes.Length; k++)
        {
            var source = spec.Sources[k];
            var f = featureMapSizes[k];
            var usesTable = inputSize == spec.ImageSize && f == source.FeatureMapSize;

            // The reference divides by image/shrinkage; other sizes spread the centres evenly over the map.
            var centreScale = usesTable ? spec.ImageSize / (double)source.Shrinkage : f;
            var sizeScale = inputSize / (double)spec.ImageSize;
            offset = WriteSource(spec, source, f, centreScale, sizeScale, inputSize, priors, offset);
        }

        ClampToUnit(priors);
        return priors;
    }

    private static void ValidateArguments(PriorSpec spec, int inputSize, ReadOnlySpan<int> featureMapSizes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        if (featureMapSizes.Length != spec.Sources.Count)
        {
            throw new ArgumentException(
                $"Expected {spec.Sources.Count} feature map sizes (one per source), got {featureMapSizes.Length}.",
                nameof(featureMapSizes));
        }

        foreach (var f in featureMapSizes)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(f, nameof(featureMapSizes));
        }
    }

    private static int CountCells(ReadOnlySpan<int> featureMapSizes)
    {
        var cells = 0;
        foreach (var f in featureMapSizes)
        {
            cells += f * f;
        }

        return cells;
    }

    private static int WriteSource(
        PriorSpec spec,
        FeatureMapPriors source,
        int featureMapSize,
        double centreScale,
        double sizeScale,
        int inputSize,
        float[] priors,
        int offset)
    {
        var minSide = source.MinSize * sizeScale / inputSize;
        var bigSide = Math.Sqrt(source.MinSize * (double)source.MaxSize) * sizeScale / inputSize;
        for (var i = 0; i < featureMapSize; i++)
        {
            var cy = (i + 0.5) / centreScale;
            for (var j = 0; j < featureMapSize; j++)
            {
                var cx = (j + 0.5) / centreScale;
                offset = Write(priors, offset, cx, cy, minSide, minSide);
                offset = Write(priors, offset, cx, cy, bigSide, bigSide);
                foreach (var ratio in spec.AspectRatios)
                {
                    var root = Math.Sqrt(ratio);
                    offset = Write(priors, offset, cx, cy, minSide * root, minSide / root);
                    offset = Write(priors, offset, cx, cy, minSide / root, minSide * root);
                }
            }
        }

        return offset;
    }

    private static int Write(float[] priors, int offset, double cx, double cy, double w, double h)
    {
        priors[offset] = (float)cx;
        priors[offset + 1] = (float)cy;
        priors[offset + 2] = (float)w;
        priors[offset + 3] = (float)h;
        return offset + 4;
    }

    private static void ClampToUnit(Span<float> values)
    {
        for (var k = 0; k < values.Length; k++)
        {
            values[k] = Math.Clamp(values[k], 0f, 1f);
        }
    }
}
