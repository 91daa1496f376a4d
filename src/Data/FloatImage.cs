using SsdLite.Torch.Vision;

namespace SsdLite.Data;

/// <summary>A 3-channel float image, interleaved (HWC), RGB, values on the 0..255 scale: what the augmentations work on.</summary>
public sealed class FloatImage
{
    public const int Channels = 3;

    public FloatImage(int width, int height)
        : this(width, height, new float[checked(width * height * Channels)])
    {
    }

    /// <summary>Wraps <paramref name="data"/> (not copied).</summary>
    public FloatImage(int width, int height, float[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (width <= 0 || height <= 0 || data.Length != (long)width * height * Channels)
        {
            throw new ArgumentException($"{data.Length} values do not hold a {width}x{height}x3 image", nameof(data));
        }

        Width = width;
        Height = height;
        Data = data;
    }

    public int Width { get; }

    public int Height { get; }

    public float[] Data { get; }

    public Span<float> Pixels => Data;

    /// <summary>Channel <paramref name="c"/> of pixel (x, y).</summary>
    public float this[int x, int y, int c]
    {
        get => Data[(((y * Width) + x) * Channels) + c];
        set => Data[(((y * Width) + x) * Channels) + c] = value;
    }

    public static FloatImage FromImage(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var result = new FloatImage(image.Width, image.Height);
        ReadOnlySpan<byte> src = image.Data;
        Span<float> dst = result.Data;
        for (int i = 0; i < src.Length; i++)
        {
            dst[i] = src[i];
        }

        return result;
    }

    public FloatImage Clone() => new(Width, Height, (float[])Data.Clone());

    /// <summary>Rounded and saturated to bytes (for viewing an augmented image).</summary>
    public Image ToImage()
    {
        var image = new Image(Width, Height);
        var dst = image.Data;
        for (int i = 0; i < Data.Length; i++)
        {
            dst[i] = (byte)Math.Clamp(MathF.Round(Data[i]), 0f, 255f);
        }

        return image;
    }

    /// <summary>A bilinear (cv::resize INTER_LINEAR) resized copy.</summary>
    public FloatImage Resize(int width, int height)
    {
        var result = new FloatImage(width, height);
        ImageOps.Resize(Data, Width, Height, result.Data, width, height);
        return result;
    }
}
