using System.Buffers;

namespace SsdLite.Vision;

/// <summary>The test transform: the uint8 image resized bilinear (cv::resize INTER_LINEAR) to the input size, then (x - 127) / 128, CHW.</summary>
public sealed class SsdTestTransform
{
    public SsdTestTransform(int size = 300)
        : this(size, size)
    {
    }

    public SsdTestTransform(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        Width = width;
        Height = height;
    }

    public int Width { get; }

    public int Height { get; }

    public float Mean { get; init; } = Normalize.DefaultMean;

    public float Std { get; init; } = Normalize.DefaultStd;

    public int OutputLength => 3 * Width * Height;

    public void Apply(Image image, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        var pool = ArrayPool<byte>.Shared;
        byte[] resized = pool.Rent(OutputLength);
        try
        {
            var span = resized.AsSpan(0, OutputLength);
            ImageOps.Resize(image.Data, image.Width, image.Height, span, Width, Height);
            Normalize.ToChw(span, Width, Height, destination, Mean, Std);
        }
        finally
        {
            pool.Return(resized);
        }
    }
}
