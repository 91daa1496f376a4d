using SsdLite.Vision;

namespace SsdLite.Data;

/// <summary>A 3-channel float image, interleaved (HWC), RGB, values on the 0..255 scale: what the augmentations work on.</summary>
public sealed class FloatImage
{
    /// <summary>Channels per pixel (RGB).</summary>
    public const int Channels = 3;

    /// <summary>A black image of <paramref name="width"/> × <paramref name="height"/> pixels.</summary>
    public FloatImage(int width, int height)
        : this(width, height, new float[checked(width * height * Channels)])
    {
    }

    /// <summary>Wraps <paramref name="data"/> (not copied).</summary>
    public FloatImage(int width, int height, float[] data)
        : this(width, height, data, pooled: false)
    {
    }

    // A pooled buffer may be longer than the image; Pixels is always exactly the image.
    private FloatImage(int width, int height, float[] data, bool pooled)
    {
        ArgumentNullException.ThrowIfNull(data);
        long need = (long)width * height * Channels;
        if (width <= 0 || height <= 0 || (pooled ? data.Length < need : data.Length != need))
        {
            throw new ArgumentException($"{data.Length} values do not hold a {width}x{height}x3 image", nameof(data));
        }

        Width = width;
        Height = height;
        Data = data;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>The pixels, HWC, RGB, one float per channel on the 0..255 scale.</summary>
    public float[] Data { get; }

    /// <summary>The image's values (all of <see cref="Data"/>, except for a rented image whose buffer may be longer).</summary>
    public Span<float> Pixels => Data.AsSpan(0, Width * Height * Channels);

    /// <summary>Channel <paramref name="c"/> of pixel (x, y).</summary>
    public float this[int x, int y, int c]
    {
        get => Data[(((y * Width) + x) * Channels) + c];
        set => Data[(((y * Width) + x) * Channels) + c] = value;
    }

    /// <summary>The 8-bit <paramref name="image"/> as floats.</summary>
    public static FloatImage FromImage(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var result = new FloatImage(image.Width, image.Height);
        Widen(image.Pixels, result.Pixels);
        return result;
    }

    /// <summary>
    /// As <see cref="FromImage"/>, into a buffer from the shared pool: the loader converts one image per sample, and
    /// a fresh 1 MB array each time costs more than the conversion. Give it back with <see cref="Return"/>.
    /// </summary>
    public static FloatImage Rent(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var data = System.Buffers.ArrayPool<float>.Shared.Rent(image.Width * image.Height * Channels);
        var result = new FloatImage(image.Width, image.Height, data, pooled: true);
        Widen(image.Pixels, result.Pixels);
        return result;
    }

    private static void Widen(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (int s = 0, d = 0; d < dst.Length; s += Image.BytesPerPixel, d += Channels)
        {
            dst[d] = src[s];
            dst[d + 1] = src[s + 1];
            dst[d + 2] = src[s + 2];
        }
    }

    /// <summary>Gives a <see cref="Rent"/>ed buffer back to the pool; the image must not be used afterwards.</summary>
    public static void Return(FloatImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        System.Buffers.ArrayPool<float>.Shared.Return(image.Data);
    }

    /// <summary>A copy with its own pixel buffer.</summary>
    public FloatImage Clone() => new(Width, Height, Pixels.ToArray());

    /// <summary>Rounded and saturated to bytes (for viewing an augmented image).</summary>
    public Image ToImage()
    {
        var image = new Image(Width, Height);
        var dst = image.Pixels;
        ReadOnlySpan<float> src = Pixels;
        for (int s = 0, d = 0; s < src.Length; s += Channels, d += Image.BytesPerPixel)
        {
            dst[d] = Saturate(src[s]);
            dst[d + 1] = Saturate(src[s + 1]);
            dst[d + 2] = Saturate(src[s + 2]);
        }

        return image;
    }

    private static byte Saturate(float value) => (byte)Math.Clamp(MathF.Round(value), 0f, 255f);

    /// <summary>A bilinear (cv::resize INTER_LINEAR) resized copy.</summary>
    public FloatImage Resize(int width, int height)
    {
        var result = new FloatImage(width, height);
        ImageOps.Resize(Pixels, Width, Height, result.Data, width, height);
        return result;
    }
}
