namespace SsdLite.Platform.Vision;

/// <summary>OpenCV's interpolation flags (cv::InterpolationFlags).</summary>
public enum Interpolation
{
    Nearest = 0,
    Linear = 1,
    Cubic = 2,
    Area = 3,
    Lanczos4 = 4,
}

/// <summary>The colour conversions the bridge offers (cv::ColorConversionCodes values).</summary>
public enum ColorConversion
{
    RgbToBgr = 4,

    /// <summary>For float input: H in [0, 360), S in [0, 1], V on the input's scale. For bytes: H in [0, 180).</summary>
    RgbToHsv = 41,
    HsvToRgb = 55,
}

/// <summary>
/// Pixel operations on caller-owned interleaved (HWC) buffers, through OpenCV: the span form of what
/// <see cref="Image"/> offers, for uint8 and float32 data (as torchvision.transforms.functional sits beside io).
/// </summary>
public static unsafe class ImageOps
{
    /// <summary>cv::setNumThreads: loader workers run OpenCV single-threaded (1); 0 disables its threading, -1 restores the default.</summary>
    public static void SetNumThreads(int threads) => NativeImage.Check(NativeImage.ssdimg_set_num_threads(threads), "cv::setNumThreads");

    public static int NumThreads => NativeImage.ssdimg_get_num_threads();

    /// <summary>The OpenCV version the bridge was built against.</summary>
    public static string OpenCvVersion => System.Runtime.InteropServices.Marshal.PtrToStringUTF8(NativeImage.ssdimg_version()) ?? "";

    /// <summary>Resizes a packed uint8 image of <paramref name="channels"/> channels into <paramref name="dst"/> (cv::resize).</summary>
    public static void Resize(ReadOnlySpan<byte> src, int srcWidth, int srcHeight, Span<byte> dst, int dstWidth,
        int dstHeight, int channels = 3, Interpolation interpolation = Interpolation.Linear)
    {
        CheckSize(src.Length, srcWidth, srcHeight, channels, nameof(src));
        CheckSize(dst.Length, dstWidth, dstHeight, channels, nameof(dst));
        fixed (byte* s = src)
        fixed (byte* d = dst)
        {
            NativeImage.Check(NativeImage.ssdimg_resize(s, srcWidth, srcHeight, 0, d, dstWidth, dstHeight, 0,
                NativeImage.DepthU8, channels, (int)interpolation), "cv::resize");
        }
    }

    /// <summary>Resizes a packed float image into <paramref name="dst"/> (cv::resize).</summary>
    public static void Resize(ReadOnlySpan<float> src, int srcWidth, int srcHeight, Span<float> dst, int dstWidth,
        int dstHeight, int channels = 3, Interpolation interpolation = Interpolation.Linear) =>
        ResizeRegion(src, srcWidth, 0, 0, srcWidth, srcHeight, dst, dstWidth, dstHeight, channels, interpolation);

    /// <summary>
    /// Resizes the region (x, y, width, height) of a packed float image whose rows hold <paramref name="srcStride"/>
    /// pixels, with no copy of the region first.
    /// </summary>
    public static void ResizeRegion(ReadOnlySpan<float> src, int srcStride, int x, int y, int width, int height,
        Span<float> dst, int dstWidth, int dstHeight, int channels = 3, Interpolation interpolation = Interpolation.Linear)
    {
        if (x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > srcStride)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"region ({x}, {y}, {width}, {height}) outside rows of {srcStride} pixels");
        }

        long last = ((long)(y + height - 1) * srcStride + x + width) * channels;
        if (last > src.Length)
        {
            throw new ArgumentException($"region ({x}, {y}, {width}, {height}) needs {last} values, src has {src.Length}", nameof(src));
        }

        CheckSize(dst.Length, dstWidth, dstHeight, channels, nameof(dst));
        fixed (float* s = src)
        fixed (float* d = dst)
        {
            float* origin = s + (((long)y * srcStride) + x) * channels;
            NativeImage.Check(NativeImage.ssdimg_resize(origin, width, height, (long)srcStride * channels * sizeof(float),
                d, dstWidth, dstHeight, 0, NativeImage.DepthF32, channels, (int)interpolation), "cv::resize");
        }
    }

    /// <summary>Converts a 3-channel float image between colour spaces (cv::cvtColor); src and dst may be the same buffer.</summary>
    public static void ConvertColor(ReadOnlySpan<float> src, Span<float> dst, int width, int height, ColorConversion code)
    {
        CheckSize(src.Length, width, height, 3, nameof(src));
        CheckSize(dst.Length, width, height, 3, nameof(dst));
        fixed (float* s = src)
        fixed (float* d = dst)
        {
            NativeImage.Check(NativeImage.ssdimg_cvt_color(s, d, width, height, NativeImage.DepthF32, (int)code), "cv::cvtColor");
        }
    }

    /// <summary>Converts a 3-channel uint8 image between colour spaces (cv::cvtColor); src and dst may be the same buffer.</summary>
    public static void ConvertColor(ReadOnlySpan<byte> src, Span<byte> dst, int width, int height, ColorConversion code)
    {
        CheckSize(src.Length, width, height, 3, nameof(src));
        CheckSize(dst.Length, width, height, 3, nameof(dst));
        fixed (byte* s = src)
        fixed (byte* d = dst)
        {
            NativeImage.Check(NativeImage.ssdimg_cvt_color(s, d, width, height, NativeImage.DepthU8, (int)code), "cv::cvtColor");
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
