using System.Numerics;
using SsdLite.Vision;

namespace SsdLite.Data.Augmentation;

/// <summary>
/// SSD's photometric distortion, in place on a float RGB image (boxes untouched): each step with probability
/// 0.5, in this order: brightness + delta (±32); then either contrast before the HSV part or after it (a coin
/// decides); the HSV part: saturation × [0.5, 1.5], hue ± 18 degrees (wrapped to [0, 360)); last a random
/// permutation of the channels. Values are not clipped, as in the reference.
/// </summary>
public sealed class PhotometricDistort
{
    /// <summary>The six orders of three channels (the identity included, as in the reference).</summary>
    public static readonly int[][] Permutations = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];

    /// <summary>The largest brightness shift, in grey levels.</summary>
    public float BrightnessDelta { get; init; } = 32f;

    /// <summary>The lowest contrast factor.</summary>
    public float ContrastLower { get; init; } = 0.5f;

    /// <summary>The highest contrast factor.</summary>
    public float ContrastUpper { get; init; } = 1.5f;

    /// <summary>The lowest saturation factor.</summary>
    public float SaturationLower { get; init; } = 0.5f;

    /// <summary>The highest saturation factor.</summary>
    public float SaturationUpper { get; init; } = 1.5f;

    /// <summary>The largest hue shift, in degrees.</summary>
    public float HueDelta { get; init; } = 18f;

    /// <summary>
    /// Distorts brightness, contrast, saturation and hue of <paramref name="image"/> in place, each with probability
    /// 0.5.
    /// </summary>
    public void Apply(FloatImage image, Random rng)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(rng);
        Span<float> px = image.Pixels;
        if (Coin(rng))
        {
            AdjustBrightness(px, Uniform(rng, -BrightnessDelta, BrightnessDelta));
        }

        bool contrastFirst = Coin(rng);
        if (contrastFirst)
        {
            RandomContrast(px, rng);
        }

        float? saturation = Coin(rng) ? Uniform(rng, SaturationLower, SaturationUpper) : null;
        float? hue = Coin(rng) ? Uniform(rng, -HueDelta, HueDelta) : null;
        if (saturation is not null || hue is not null)
        {
            // The round trip through HSV is the identity up to rounding: skipped when neither step was drawn.
            ImageOps.ConvertColor(px, px, image.Width, image.Height, ColorConversion.RgbToHsv);
            if (saturation is { } s)
            {
                AdjustSaturationHsv(px, s);
            }

            if (hue is { } h)
            {
                ShiftHueHsv(px, h);
            }

            ImageOps.ConvertColor(px, px, image.Width, image.Height, ColorConversion.HsvToRgb);
        }

        if (!contrastFirst)
        {
            RandomContrast(px, rng);
        }

        if (Coin(rng))
        {
            SwapChannels(px, Permutations[rng.Next(Permutations.Length)]);
        }
    }

    /// <summary>Adds <paramref name="delta"/> to every value.</summary>
    public static void AdjustBrightness(Span<float> pixels, float delta)
    {
        var d = new Vector<float>(delta);
        int i = 0;
        for (; i <= pixels.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            (new Vector<float>(pixels[i..]) + d).CopyTo(pixels[i..]);
        }

        for (; i < pixels.Length; i++)
        {
            pixels[i] += delta;
        }
    }

    /// <summary>Multiplies every value by <paramref name="factor"/>.</summary>
    public static void AdjustContrast(Span<float> pixels, float factor)
    {
        var f = new Vector<float>(factor);
        int i = 0;
        for (; i <= pixels.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            (new Vector<float>(pixels[i..]) * f).CopyTo(pixels[i..]);
        }

        for (; i < pixels.Length; i++)
        {
            pixels[i] *= factor;
        }
    }

    /// <summary>Multiplies the S channel of an HSV image by <paramref name="factor"/>.</summary>
    public static void AdjustSaturationHsv(Span<float> hsv, float factor)
    {
        for (int i = 1; i < hsv.Length; i += 3)
        {
            hsv[i] *= factor;
        }
    }

    /// <summary>Adds <paramref name="degrees"/> to the H channel of an HSV image (H in degrees), wrapped back into [0, 360].</summary>
    public static void ShiftHueHsv(Span<float> hsv, float degrees)
    {
        for (int i = 0; i < hsv.Length; i += 3)
        {
            float h = hsv[i] + degrees;
            if (h > 360f)
            {
                h -= 360f;
            }
            else if (h < 0f)
            {
                h += 360f;
            }

            hsv[i] = h;
        }
    }

    /// <summary>Reorders the channels: new channel k is old channel order[k].</summary>
    public static void SwapChannels(Span<float> pixels, ReadOnlySpan<int> order)
    {
        if (order.Length != 3)
        {
            throw new ArgumentException($"a channel order has 3 entries, got {order.Length}", nameof(order));
        }

        int a = order[0], b = order[1], c = order[2];
        for (int i = 0; i + 2 < pixels.Length; i += 3)
        {
            float p0 = pixels[i], p1 = pixels[i + 1], p2 = pixels[i + 2];
            pixels[i] = a == 0 ? p0 : a == 1 ? p1 : p2;
            pixels[i + 1] = b == 0 ? p0 : b == 1 ? p1 : p2;
            pixels[i + 2] = c == 0 ? p0 : c == 1 ? p1 : p2;
        }
    }

    private void RandomContrast(Span<float> pixels, Random rng)
    {
        if (Coin(rng))
        {
            AdjustContrast(pixels, Uniform(rng, ContrastLower, ContrastUpper));
        }
    }

    internal static bool Coin(Random rng) => rng.Next(2) == 1;

    internal static float Uniform(Random rng, float low, float high) => low + ((high - low) * (float)rng.NextDouble());
}
