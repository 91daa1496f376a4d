using SsdLite.Vision;
namespace SsdLite.Data.Augmentation;

/// <summary>A crop window in pixels.</summary>
public readonly record struct CropRect(int X, int Y, int Width, int Height)
{
    /// <summary>One past the last column.</summary>
    public int Right => X + Width;

    /// <summary>One past the last row.</summary>
    public int Bottom => Y + Height;
}

/// <summary>
/// SSD's random crop: a mode is drawn among no crop, minimum IoU 0.1 / 0.3 / 0.7 / 0.9 with some object, or
/// unconstrained; up to 50 windows of 0.3-1.0 of each side with height/width in [0.5, 2] are tried for it
/// (then a new mode is drawn). A window also needs the centre of some object inside it. Boxes whose centre
/// lies inside are kept (with their labels and flags), clipped to the window; the rest are dropped. An image
/// without objects takes any window of its mode.
/// </summary>
public sealed class RandomSampleCrop
{
    /// <summary>The modes: null = keep the whole image; otherwise the minimum IoU (-inf = unconstrained).</summary>
    public static readonly float?[] SsdModes = [null, 0.1f, 0.3f, 0.7f, 0.9f, float.NegativeInfinity];

    /// <summary>The modes drawn from, uniformly; <see cref="SsdModes"/> by default.</summary>
    public float?[] Modes { get; init; } = SsdModes;

    /// <summary>Windows tried per overlap constraint before the next constraint is drawn.</summary>
    public int MaxTrials { get; init; } = 50;

    /// <summary>The smallest window side as a fraction of the image side (SSD's 0.3).</summary>
    public float MinScale { get; init; } = 0.3f;

    /// <summary>The lowest window aspect ratio (height over width).</summary>
    public float MinAspect { get; init; } = 0.5f;

    /// <summary>The highest window aspect ratio (SSD's 2).</summary>
    public float MaxAspect { get; init; } = 2f;

    /// <summary>A bound on mode draws, so that a pathological box set cannot loop for long: then no crop.</summary>
    public int MaxModeDraws { get; init; } = 100;

    /// <summary>Draws a window for a width x height image with these boxes, or null for no crop.</summary>
    public CropRect? Sample(Random rng, int width, int height, ReadOnlySpan<BoxLabel> boxes)
    {
        ArgumentNullException.ThrowIfNull(rng);
        for (int draw = 0; draw < MaxModeDraws; draw++)
        {
            if (Modes[rng.Next(Modes.Length)] is not { } minIou)
            {
                return null;
            }

            for (int trial = 0; trial < MaxTrials; trial++)
            {
                float w = PhotometricDistort.Uniform(rng, MinScale * width, width);
                float h = PhotometricDistort.Uniform(rng, MinScale * height, height);
                if (h / w < MinAspect || h / w > MaxAspect)
                {
                    continue;
                }

                float left = PhotometricDistort.Uniform(rng, 0f, width - w);
                float top = PhotometricDistort.Uniform(rng, 0f, height - h);
                int x0 = (int)left, y0 = (int)top;
                int x1 = Math.Min(width, (int)(left + w)), y1 = Math.Min(height, (int)(top + h));
                if (x1 <= x0 || y1 <= y0)
                {
                    continue;
                }

                if (boxes.IsEmpty || Accepts(boxes, x0, y0, x1, y1, minIou))
                {
                    return new CropRect(x0, y0, x1 - x0, y1 - y0);
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Crops a window that meets a random minimum-IoU constraint, keeping the boxes whose centres fall inside it,
    /// clipped to it.
    /// </summary>
    public (FloatImage Image, BoxLabel[] Boxes) Apply(FloatImage image, ReadOnlySpan<BoxLabel> boxes, Random rng)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (Sample(rng, image.Width, image.Height, boxes) is not { } rect)
        {
            return (image, boxes.ToArray());
        }

        return (CropImage(image, rect), CropBoxes(boxes, rect));
    }

    /// <summary>The boxes whose centre lies strictly inside the window, clipped to it, in window coordinates.</summary>
    public static BoxLabel[] CropBoxes(ReadOnlySpan<BoxLabel> boxes, CropRect rect)
    {
        var kept = new List<BoxLabel>(boxes.Length);
        foreach (var b in boxes)
        {
            if (CentreInside(b, rect.X, rect.Y, rect.Right, rect.Bottom))
            {
                kept.Add(b with
                {
                    XMin = Math.Max(b.XMin, rect.X) - rect.X,
                    YMin = Math.Max(b.YMin, rect.Y) - rect.Y,
                    XMax = Math.Min(b.XMax, rect.Right) - rect.X,
                    YMax = Math.Min(b.YMax, rect.Bottom) - rect.Y,
                });
            }
        }

        return [.. kept];
    }

    /// <summary>The pixels of <paramref name="image"/> inside <paramref name="rect"/>, as a new image.</summary>
    public static FloatImage CropImage(FloatImage image, CropRect rect)
    {
        ArgumentNullException.ThrowIfNull(image);
        const int C = FloatImage.Channels;
        var result = new FloatImage(rect.Width, rect.Height);
        for (int row = 0; row < rect.Height; row++)
        {
            image.Data.AsSpan((((rect.Y + row) * image.Width) + rect.X) * C, rect.Width * C)
                .CopyTo(result.Data.AsSpan(row * rect.Width * C));
        }

        return result;
    }

    private static bool Accepts(ReadOnlySpan<BoxLabel> boxes, int x0, int y0, int x1, int y1, float minIou)
    {
        float best = 0;
        bool anyCentre = false;
        foreach (var b in boxes)
        {
            best = Math.Max(best, BoxOps.Iou(b, x0, y0, x1, y1));
            anyCentre |= CentreInside(b, x0, y0, x1, y1);
        }

        return best >= minIou && anyCentre;
    }

    private static bool CentreInside(in BoxLabel b, float x0, float y0, float x1, float y1)
    {
        float cx = b.CenterX, cy = b.CenterY;
        return cx > x0 && cx < x1 && cy > y0 && cy < y1;
    }
}
