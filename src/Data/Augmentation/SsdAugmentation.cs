using System.Buffers;
using SsdLite.Vision;

namespace SsdLite.Data.Augmentation;

/// <summary>
/// The SSD training transform: <see cref="PhotometricDistort"/>, <see cref="Expand"/>, <see cref="RandomSampleCrop"/>,
/// <see cref="HorizontalFlip"/>, bilinear resize to the input size, boxes to [0, 1], <see cref="Normalize"/> into a
/// CHW float buffer. Deterministic for a given <see cref="Random"/> state; one instance serves many threads (it holds
/// settings only), each with its own <see cref="Random"/>.
/// </summary>
/// <remarks>
/// The steps draw from the generator in this order, exactly as applying the named ops one after another would, but
/// the pixels are done in one pass where that is cheaper: only the cropped part of the expanded canvas is built
/// (none of it without expand), and the flip happens while normalizing the resized image.
/// </remarks>
public sealed class SsdAugmentation
{
    /// <summary>The augmentation for a square network input of <paramref name="size"/> pixels.</summary>
    public SsdAugmentation(int size = 300)
        : this(size, size)
    {
    }

    /// <summary>
    /// The augmentation for a network input of <paramref name="width"/> × <paramref name="height"/> pixels.
    /// </summary>
    public SsdAugmentation(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        Width = width;
        Height = height;
    }

    /// <summary>The network input width and height.</summary>
    public int Width { get; }

    /// <summary>The network input height.</summary>
    public int Height { get; }

    /// <summary>The photometric distortion step.</summary>
    public PhotometricDistort Photometric { get; init; } = new();

    /// <summary>The zoom-out step.</summary>
    public Expand Expand { get; init; } = new();

    /// <summary>The random crop step.</summary>
    public RandomSampleCrop Crop { get; init; } = new();

    /// <summary>Subtracted from each channel before dividing by <see cref="Std"/>.</summary>
    public float Mean { get; init; } = Normalize.DefaultMean;

    /// <summary>The divisor of the normalisation.</summary>
    public float Std { get; init; } = Normalize.DefaultStd;

    /// <summary>The size of the destination buffer: 3 x Height x Width.</summary>
    public int OutputLength => 3 * Width * Height;

    /// <summary>
    /// Augments a decoded image and its pixel boxes (corner form, 0-based) into <paramref name="destination"/>
    /// (CHW, <see cref="OutputLength"/> floats); returns the surviving boxes in [0, 1] with their labels and flags.
    /// </summary>
    public BoxLabel[] Apply(Image image, ReadOnlySpan<BoxLabel> boxes, Random rng, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        var pixels = FloatImage.Rent(image);
        try
        {
            return Apply(pixels, boxes, rng, destination);
        }
        finally
        {
            FloatImage.Return(pixels);
        }
    }

    /// <summary>As <see cref="Apply(Image, ReadOnlySpan{BoxLabel}, Random, Span{float})"/>; <paramref name="image"/> is changed in place.</summary>
    public BoxLabel[] Apply(FloatImage image, ReadOnlySpan<BoxLabel> boxes, Random rng, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(rng);
        if (destination.Length != OutputLength)
        {
            throw new ArgumentException($"destination holds {destination.Length} values, need {OutputLength}", nameof(destination));
        }

        Photometric.Apply(image, rng);

        var placement = Expand.Sample(rng, image.Width, image.Height);
        int canvasWidth = placement?.CanvasWidth ?? image.Width;
        int canvasHeight = placement?.CanvasHeight ?? image.Height;
        var placed = placement is { } p ? Expand.PlaceBoxes(boxes, p) : boxes.ToArray();

        var rect = Crop.Sample(rng, canvasWidth, canvasHeight, placed) ?? new CropRect(0, 0, canvasWidth, canvasHeight);
        var cropped = RandomSampleCrop.CropBoxes(placed, rect);

        bool flip = HorizontalFlip.Sample(rng);
        if (flip)
        {
            cropped = HorizontalFlip.FlipBoxes(cropped, rect.Width);
        }

        var pool = ArrayPool<float>.Shared;
        float[] resized = pool.Rent(OutputLength);
        try
        {
            var resizedSpan = resized.AsSpan(0, OutputLength);
            if (placement is { } q)
            {
                float[] region = pool.Rent(rect.Width * rect.Height * 3);
                try
                {
                    Expand.Compose(image, q, Expand.Mean, rect.X, rect.Y, rect.Width, rect.Height, region);
                    ImageOps.ResizeRegion(region, rect.Width, 0, 0, rect.Width, rect.Height, resizedSpan, Width, Height);
                }
                finally
                {
                    pool.Return(region);
                }
            }
            else
            {
                ImageOps.ResizeRegion(image.Data, image.Width, rect.X, rect.Y, rect.Width, rect.Height, resizedSpan, Width, Height);
            }

            Normalize.ToChw(resizedSpan, Width, Height, destination, Mean, Std, mirror: flip);
        }
        finally
        {
            pool.Return(resized);
        }

        return BoxOps.ToRelative(cropped, rect.Width, rect.Height);
    }
}
