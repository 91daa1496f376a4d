using System.Runtime.InteropServices;

namespace SsdLite.Platform.Vision;

/// <summary>P/Invoke declarations of the OpenCV image bridge (libssdlite_image). Buffers are pinned by the callers.</summary>
internal static unsafe partial class NativeImage
{
    private const string Lib = "ssdlite_image";

    /// <summary>OpenCV's CV_8U and CV_32F depth codes.</summary>
    internal const int DepthU8 = 0;
    internal const int DepthF32 = 5;

    /// <summary>cv::IMREAD_COLOR: 3-channel BGR, EXIF orientation applied.</summary>
    internal const int ReadColor = 1;

    [LibraryImport(Lib)]
    internal static partial nint ssdimg_last_error();

    [LibraryImport(Lib)]
    internal static partial void ssdimg_clear_error();

    [LibraryImport(Lib)]
    internal static partial nint ssdimg_version();

    [LibraryImport(Lib)]
    internal static partial int ssdimg_set_num_threads(int n);

    [LibraryImport(Lib)]
    internal static partial int ssdimg_get_num_threads();

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint ssdimg_read(string path, int flags, out int width, out int height);

    [LibraryImport(Lib)]
    internal static partial nint ssdimg_decode(byte* data, long length, int flags, out int width, out int height);

    [LibraryImport(Lib)]
    internal static partial int ssdimg_copy_rgb(nint handle, byte* dst);

    [LibraryImport(Lib)]
    internal static partial void ssdimg_release(nint handle);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ssdimg_have_reader(string path);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ssdimg_write(string path, byte* rgb, int width, int height, int quality);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial byte* ssdimg_encode(string ext, byte* rgb, int width, int height, int quality, out long length);

    [LibraryImport(Lib)]
    internal static partial void ssdimg_free(void* buffer);

    [LibraryImport(Lib)]
    internal static partial int ssdimg_resize(void* src, int srcWidth, int srcHeight, long srcStep, void* dst,
        int dstWidth, int dstHeight, long dstStep, int depth, int channels, int interpolation);

    [LibraryImport(Lib)]
    internal static partial int ssdimg_cvt_color(void* src, void* dst, int width, int height, int depth, int code);

    [LibraryImport(Lib)]
    internal static partial int ssdimg_line(byte* img, int width, int height, int channels, int x1, int y1, int x2,
        int y2, double* colour, int thickness, int lineType);

    [LibraryImport(Lib)]
    internal static partial int ssdimg_rectangle(byte* img, int width, int height, int channels, int x1, int y1,
        int x2, int y2, double* colour, int thickness, int lineType);

    [LibraryImport(Lib)]
    internal static partial int ssdimg_circle(byte* img, int width, int height, int channels, int cx, int cy,
        int radius, double* colour, int thickness, int lineType);

    [LibraryImport(Lib)]
    internal static partial int ssdimg_ellipse(byte* img, int width, int height, int channels, int cx, int cy,
        int axisX, int axisY, double angle, double* colour, int thickness, int lineType);

    [LibraryImport(Lib)]
    internal static partial int ssdimg_polygon(byte* img, int width, int height, int channels, int* points, int n,
        double* colour, int thickness, int lineType);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ssdimg_put_text(byte* img, int width, int height, int channels, string text, int x,
        int y, int font, double scale, double* colour, int thickness, int lineType);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ssdimg_text_size(string text, int font, double scale, int thickness,
        out int textWidth, out int textHeight, out int baseline);

    /// <summary>The bridge's last error message on this thread.</summary>
    internal static string LastError() => Marshal.PtrToStringUTF8(ssdimg_last_error()) ?? "";

    /// <summary>Throws an <see cref="ImageException"/> with the bridge's message when a call returned a failure status.</summary>
    internal static void Check(int status, string operation)
    {
        if (status != 0)
        {
            throw new ImageException($"{operation} failed: {LastError()}");
        }
    }
}
