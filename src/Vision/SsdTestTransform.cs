using System.Buffers;

namespace SsdLite.Vision;

/// <summary>The test transform: the uint8 image resized bilinear (cv::resize INTER_LINEAR) to the input size, then (x - 127) / 128, CHW.</summary>
public sealed class SsdTestTransform
{
    /// <summary>The transform to a square input of <paramref name="size"/> pixels.</summary>
    public SsdTestTransform(int size = 300)
        : this(size, size)
    {
    }

    /// <summary>The transform to an input of <paramref name="width"/> × <paramref name="height"/> pixels.</summary>
    public SsdTestTransform(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        Width = width;
        Height = height;
    }

    /// <summary>The output width.</summary>
    public int Width { get; }

    /// <summary>The output height.</summary>
    public int Height { get; }

    /// <summary>Subtracted from each channel before dividing by <see cref="Std"/>.</summary>
    public float Mean { get; init; } = Normalize.DefaultMean;

    /// <summary>The divisor of the normalisation.</summary>
    public float Std { get; init; } = Normalize.DefaultStd;

    /// <summary>Floats written per image (3 × width × height).</summary>
    public int OutputLength => 3 * Width * Height;

    /// <summary>
    /// Resizes <paramref name="image"/> (OpenCV INTER_LINEAR) and writes it normalised, CHW, to <paramref
    /// name="destination"/>.
    /// </summary>
    public void Apply(Image image, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        var pool = ArrayPool<byte>.Shared;
        byte[] resized = pool.Rent(OutputLength);
        try
        {
            var span = resized.AsSpan(0, OutputLength);
            // The image's RGBA, alpha skipped, to packed RGB: the layout Normalize reads.
            ImageOps.Resize(image.Pixels, image.Width, image.Height, Image.BytesPerPixel, span, Width, Height, 3, 3);
            Normalize.ToChw(span, Width, Height, destination, Mean, Std);
        }
        finally
        {
            pool.Return(resized);
        }
    }
}
