namespace SsdLite.Vision;

/// <summary>The colour conversions offered for float images (cv::ColorConversionCodes values).</summary>
public enum ColorConversion
{
    /// <summary>Swaps the first and third channels.</summary>
    RgbToBgr = 4,

    /// <summary>H in [0, 360), S in [0, 1], V on the input's scale.</summary>
    RgbToHsv = 41,
    /// <summary>The inverse of <see cref="RgbToHsv"/>.</summary>
    HsvToRgb = 55,
}

/// <summary>
/// Pixel operations on caller-owned interleaved (HWC) buffers, in managed code that computes what OpenCV's
/// cv::resize and cv::cvtColor compute: the span form of what <see cref="Image"/> offers, for uint8 and float32.
/// </summary>
public static unsafe class ImageOps
{
    /// <summary>Resizes a packed uint8 image of <paramref name="channels"/> channels into <paramref name="dst"/> (as cv::resize).</summary>
    public static void Resize(ReadOnlySpan<byte> src, int srcWidth, int srcHeight, Span<byte> dst, int dstWidth,
        int dstHeight, int channels = 3)
    {
        CheckSize(src.Length, srcWidth, srcHeight, channels, nameof(src));
        CheckSize(dst.Length, dstWidth, dstHeight, channels, nameof(dst));
        fixed (byte* s = src)
        fixed (byte* d = dst)
        {
            Resampler.Resize(s, srcWidth, srcHeight, srcWidth * channels, d, dstWidth, dstHeight, channels);
        }
    }

    /// <summary>
    /// Resizes the first <paramref name="channels"/> bytes of each pixel, pixels being <paramref name="srcStep"/>
    /// bytes apart in <paramref name="src"/> and <paramref name="dstStep"/> in <paramref name="dst"/> (an <see
    /// cref="Image"/>'s RGBA, its alpha skipped); the other bytes of <paramref name="dst"/> are left as they are.
    /// </summary>
    internal static void Resize(ReadOnlySpan<byte> src, int srcWidth, int srcHeight, int srcStep, Span<byte> dst,
        int dstWidth, int dstHeight, int dstStep, int channels)
    {
        if (channels > srcStep || channels > dstStep)
        {
            throw new ArgumentOutOfRangeException(nameof(channels), $"{channels} channels do not fit pixels of {srcStep} and {dstStep} bytes");
        }

        CheckSize(src.Length, srcWidth, srcHeight, srcStep, nameof(src));
        CheckSize(dst.Length, dstWidth, dstHeight, dstStep, nameof(dst));
        fixed (byte* s = src)
        fixed (byte* d = dst)
        {
            Resampler.Resize(s, srcWidth, srcHeight, srcWidth * srcStep, srcStep, d, dstWidth, dstHeight, dstStep, channels);
        }
    }

    /// <summary>
    /// Resizes a packed float image into <paramref name="dst"/> (as cv::resize). Training's augmentation resizes its
    /// float image here, after the photometric distortions, as the reference does with float32 arrays: rounding to
    /// uint8 first would change the pixels it trains on.
    /// </summary>
    public static void Resize(ReadOnlySpan<float> src, int srcWidth, int srcHeight, Span<float> dst, int dstWidth,
        int dstHeight, int channels = 3) =>
        ResizeRegion(src, srcWidth, 0, 0, srcWidth, srcHeight, dst, dstWidth, dstHeight, channels);

    /// <summary>
    /// Resizes the region (x, y, width, height) of a packed float image whose rows hold <paramref name="srcStride"/>
    /// pixels, with no copy of the region first.
    /// </summary>
    public static void ResizeRegion(ReadOnlySpan<float> src, int srcStride, int x, int y, int width, int height,
        Span<float> dst, int dstWidth, int dstHeight, int channels = 3)
    {
        if (x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > srcStride)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"region ({x}, {y}, {width}, {height}) outside rows of {srcStride} pixels");
        }

        long last = (((long)(y + height - 1) * srcStride) + x + width) * channels;
        if (last > src.Length)
        {
            throw new ArgumentException($"region ({x}, {y}, {width}, {height}) needs {last} values, src has {src.Length}", nameof(src));
        }

        CheckSize(dst.Length, dstWidth, dstHeight, channels, nameof(dst));
        fixed (float* s = src)
        fixed (float* d = dst)
        {
            float* origin = s + ((((long)y * srcStride) + x) * channels);
            Resampler.Resize(origin, width, height, srcStride * channels, d, dstWidth, dstHeight, channels);
        }
    }

    /// <summary>Converts a 3-channel float image between colour spaces (as cv::cvtColor); src and dst may be the same buffer.</summary>
    public static void ConvertColor(ReadOnlySpan<float> src, Span<float> dst, int width, int height, ColorConversion code)
    {
        CheckSize(src.Length, width, height, 3, nameof(src));
        CheckSize(dst.Length, width, height, 3, nameof(dst));
        fixed (float* s = src)
        fixed (float* d = dst)
        {
            long n = (long)width * height;
            switch (code)
            {
                case ColorConversion.RgbToHsv:
                    ColorSpaces.RgbToHsv(s, d, n);
                    break;
                case ColorConversion.HsvToRgb:
                    ColorSpaces.HsvToRgb(s, d, n);
                    break;
                case ColorConversion.RgbToBgr:
                    ColorSpaces.SwapRedBlue(s, d, n);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(code), $"colour conversion {code} is not offered");
            }
        }
    }

    internal static void CheckSize(int length, int width, int height, int channels, string name)
    {
        if (width <= 0 || height <= 0 || channels <= 0)
        {
            throw new ArgumentOutOfRangeException(name, $"size {width}x{height}x{channels} must be positive");
        }

        if ((long)width * height * channels != length)
        {
            throw new ArgumentException($"buffer of {length} values does not hold {width}x{height}x{channels}", name);
        }
    }
}
