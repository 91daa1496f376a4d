namespace SsdLite.Platform.Vision;

/// <summary>
/// Reading and writing images through OpenCV (as torchvision.io): decoding as cv::imread(path, IMREAD_COLOR)
/// does, EXIF orientation applied, into RGB; writing JPEG, PNG or BMP by the path's extension.
/// </summary>
public static unsafe class ImageIO
{
    /// <summary>The JPEG quality used when none is given (OpenCV's own default).</summary>
    public const int DefaultJpegQuality = 95;

    /// <summary>Reads and decodes an image file; throws <see cref="ImageException"/> naming the file and the reason.</summary>
    public static Image Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageException($"cannot read image '{path}': {e.Message}", path, e);
        }

        try
        {
            return DecodeChecked(bytes);
        }
        catch (ImageException e)
        {
            throw new ImageException($"cannot read image '{path}': {e.Message}", path, e);
        }
    }

    /// <summary>The width and height of an image file as <see cref="Read"/> would return it (it decodes the file).</summary>
    public static (int Width, int Height) ReadSize(string path)
    {
        var image = Read(path);
        return (image.Width, image.Height);
    }

    /// <summary>Decodes an encoded image (JPEG, PNG, BMP, … whatever OpenCV reads) held in memory.</summary>
    public static Image Decode(ReadOnlySpan<byte> data) => DecodeChecked(data);

    /// <summary>Writes an image; the format follows the extension (.jpg/.jpeg, .png, .bmp); quality applies to JPEG.</summary>
    public static void Write(string path, Image image, int quality = DefaultJpegQuality)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(image);
        CheckQuality(quality);
        fixed (byte* p = image.Data)
        {
            if (NativeImage.ssdimg_write(path, p, image.Width, image.Height, quality) != 0)
            {
                throw new ImageException($"cannot write image '{path}': {NativeImage.LastError()}", path);
            }
        }
    }

    /// <summary>Encodes to memory; <paramref name="extension"/> names the format (".jpg", ".png", ".bmp").</summary>
    public static byte[] Encode(Image image, string extension, int quality = DefaultJpegQuality)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentException.ThrowIfNullOrEmpty(extension);
        CheckQuality(quality);
        if (extension[0] != '.')
        {
            extension = "." + extension;
        }

        fixed (byte* p = image.Data)
        {
            byte* buffer = NativeImage.ssdimg_encode(extension, p, image.Width, image.Height, quality, out long length);
            if (buffer == null)
            {
                throw new ImageException($"cannot encode image as '{extension}': {NativeImage.LastError()}");
            }

            try
            {
                return new ReadOnlySpan<byte>(buffer, checked((int)length)).ToArray();
            }
            finally
            {
                NativeImage.ssdimg_free(buffer);
            }
        }
    }

    private static Image DecodeChecked(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            throw new ImageException("the data is empty");
        }

        // libjpeg decodes a truncated file with a warning on stderr and grey where the data ended; OpenCV then
        // returns the image as if whole. A JPEG is complete when an end-of-image marker follows its last scan.
        if (IsJpeg(data) && !JpegHasEnd(data))
        {
            throw new ImageException("truncated JPEG: no end-of-image marker after the last scan");
        }

        nint handle;
        int width, height;
        fixed (byte* p = data)
        {
            handle = NativeImage.ssdimg_decode(p, data.Length, NativeImage.ReadColor, out width, out height);
        }

        if (handle == 0)
        {
            string reason = NativeImage.LastError();
            throw new ImageException($"OpenCV could not decode it ({Describe(data)}; {reason})");
        }

        try
        {
            var image = new Image(width, height);
            fixed (byte* dst = image.Data)
            {
                NativeImage.Check(NativeImage.ssdimg_copy_rgb(handle, dst), "copying the decoded image");
            }

            return image;
        }
        finally
        {
            NativeImage.ssdimg_release(handle);
        }
    }

    private static bool IsJpeg(ReadOnlySpan<byte> data) => data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;

    private static bool JpegHasEnd(ReadOnlySpan<byte> data)
    {
        // Entropy-coded data escapes 0xFF as FF 00, so FF DA (start of scan) and FF D9 (end of image) are
        // markers wherever they occur after the header; a thumbnail's markers lie before the main scans.
        int lastScan = data.LastIndexOf([(byte)0xFF, (byte)0xDA]);
        return lastScan >= 0 && data[lastScan..].IndexOf([(byte)0xFF, (byte)0xD9]) >= 0;
    }

    private static string Describe(ReadOnlySpan<byte> data)
    {
        if (IsJpeg(data))
        {
            return "JPEG data that is corrupt";
        }

        if (data.Length >= 8 && data[..8].SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }))
        {
            return "PNG data that is corrupt or truncated";
        }

        if (data.Length >= 2 && data[0] == (byte)'B' && data[1] == (byte)'M')
        {
            return "BMP data that is corrupt or truncated";
        }

        return $"not a recognised image format, {data.Length} bytes starting {Convert.ToHexString(data[..Math.Min(8, data.Length)])}";
    }

    private static void CheckQuality(int quality)
    {
        if (quality is < 1 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(quality), $"JPEG quality must be in 1..100, got {quality}");
        }
    }
}
