using System.Buffers;
using SkiaSharp;

namespace SsdLite.Vision;

/// <summary>
/// Reading and writing images through SkiaSharp's codecs (libjpeg-turbo, libpng, libwebp, as OpenCV uses):
/// decoding as cv::imread(path, IMREAD_COLOR) does, EXIF orientation applied and alpha dropped, into an
/// <see cref="Image"/>'s RGBA (straight into its buffer when no orientation is to be applied);
/// writing JPEG, PNG, BMP or WebP (lossless) by the path's extension.
/// </summary>
public static unsafe class ImageIO
{
    /// <summary>The JPEG quality used when none is given (OpenCV's own default).</summary>
    public const int DefaultJpegQuality = 95;

    /// <summary>The default of <see cref="MaxPixels"/> and of serve's <c>--max-pixels</c>: 40 megapixels.</summary>
    public const long DefaultMaxPixels = 40_000_000;

    /// <summary>The environment variable that sets <see cref="MaxPixels"/> for a whole process (detect, eval, train, convert).</summary>
    public const string MaxPixelsVariable = "SSDLITE_MAX_PIXELS";

    /// <summary>
    /// The largest width x height an image file's header may declare for <see cref="Read"/> and <see cref="ReadSize"/>:
    /// a file declaring more is refused after its header is read, before any pixel memory is taken (a decompression
    /// bomb in a training set is then named and skipped like any unreadable image). <see cref="DefaultMaxPixels"/>
    /// unless <c>SSDLITE_MAX_PIXELS</c> says otherwise; settable.
    /// </summary>
    public static long MaxPixels { get; set; } = MaxPixelsFromEnvironment(Environment.GetEnvironmentVariable(MaxPixelsVariable));

    /// <summary>The limit an <c>SSDLITE_MAX_PIXELS</c> value sets: a positive integer, else <see cref="DefaultMaxPixels"/>.</summary>
    public static long MaxPixelsFromEnvironment(string? value) =>
        long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var limit) && limit > 0 ? limit : DefaultMaxPixels;

    /// <summary>
    /// Reads and decodes an image file; throws <see cref="ImageException"/> naming the file and the reason, and
    /// refuses a header that declares more than <see cref="MaxPixels"/> pixels.
    /// </summary>
    public static Image Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ImageException($"cannot read image '{path}': no such file", path, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageException($"cannot read image '{path}': {e.Message}", path, e);
        }

        try
        {
            return DecodeChecked(bytes, MaxPixels);
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

    /// <summary>Decodes an encoded image (JPEG, PNG, BMP, WebP, GIF, … whatever SkiaSharp reads) held in memory.</summary>
    public static Image Decode(ReadOnlySpan<byte> data) => DecodeChecked(data, long.MaxValue);

    /// <summary>
    /// Decodes an encoded image held in memory unless its header declares more than <paramref name="maxPixels"/>
    /// pixels: the check comes before any pixel memory is taken, so a small file declaring a huge image (a
    /// decompression bomb) costs one header read. The codec that read the header decodes the pixels.
    /// </summary>
    /// <exception cref="ImageTooLargeException">the header declares more than <paramref name="maxPixels"/> pixels</exception>
    /// <exception cref="ImageException">the data is empty, truncated or not an image SkiaSharp reads</exception>
    public static Image Decode(ReadOnlySpan<byte> data, long maxPixels) => DecodeChecked(data, maxPixels);

    /// <summary>
    /// Writes an image; the format follows the extension (.jpg/.jpeg, .png, .webp); quality applies to JPEG.
    /// The file appears whole or not at all: the bytes go to a temporary file beside it, then replace it.
    /// </summary>
    public static void Write(string path, Image image, int quality = DefaultJpegQuality)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(image);
        CheckQuality(quality);
        byte[] bytes;
        try
        {
            bytes = EncodeChecked(image, Path.GetExtension(path), quality);
        }
        catch (ImageException e)
        {
            throw new ImageException($"cannot write image '{path}': {e.Message}", path, e);
        }

        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new ImageException($"cannot write image '{path}': {e.Message}", path, e);
        }
    }

    /// <summary>Encodes to memory; <paramref name="extension"/> names the format (".jpg", ".png", ".webp").</summary>
    public static byte[] Encode(Image image, string extension, int quality = DefaultJpegQuality)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentException.ThrowIfNullOrEmpty(extension);
        CheckQuality(quality);
        if (extension[0] != '.')
        {
            extension = "." + extension;
        }

        try
        {
            return EncodeChecked(image, extension, quality);
        }
        catch (ImageException e)
        {
            throw new ImageException($"cannot encode image as '{extension}': {e.Message}", null, e);
        }
    }

    private static byte[] EncodeChecked(Image image, string extension, int quality)
    {
        switch (extension.ToLowerInvariant())
        {
            case ".jpg" or ".jpeg" or ".jpe":
                // 4:2:0 chroma, as libjpeg's (and so OpenCV's) default.
                return EncodeSkia(image, p => p.Encode(new SKJpegEncoderOptions(quality, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore)));
            case ".png":
                return EncodeSkia(image, p => p.Encode(SKPngEncoderOptions.Default));
            case ".webp":
                return EncodeSkia(image, p => p.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, 100)));
            default:
                throw new ImageException($"no encoder for the extension '{extension}' (use .jpg, .jpeg, .png or .webp)");
        }
    }

    private static byte[] EncodeSkia(Image image, Func<SKPixmap, SKData?> encode)
    {
        int w = image.Width, h = image.Height;

        // The image's own RGBA is what SkiaSharp's encoders read: no conversion first.
        fixed (byte* p = image.Pixels)
        {
            var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque);
            using var pixmap = new SKPixmap(info, (nint)p, image.Stride);
            using var data = encode(pixmap);
            if (data is null || data.IsEmpty)
            {
                throw new ImageException($"SkiaSharp could not encode a {w}x{h} image");
            }

            return data.ToArray();
        }
    }

    private static Image DecodeChecked(ReadOnlySpan<byte> data, long maxPixels)
    {
        if (data.IsEmpty)
        {
            throw new ImageException("the data is empty");
        }

        // libjpeg decodes a truncated file with grey where the data ended, and SkiaSharp returns that as an image.
        // A JPEG is complete when an end-of-image marker follows its last scan.
        bool jpeg = IsJpeg(data);
        if (jpeg && !JpegHasEnd(data))
        {
            throw Truncated();
        }

        using var skData = SKData.CreateCopy(data);
        using var codec = SKCodec.Create(skData);
        if (codec is null)
        {
            // SkiaSharp tells no more than that it found no decoder or that the header is broken.
            throw new ImageException($"SkiaSharp could not decode it ({Describe(data)})");
        }

        var size = codec.Info;
        if (size.Width <= 0 || size.Height <= 0)
        {
            throw new ImageException($"SkiaSharp could not decode it ({Describe(data)}; size {size.Width}x{size.Height})");
        }

        if ((long)size.Width * size.Height > maxPixels)
        {
            throw new ImageTooLargeException(size.Width, size.Height, maxPixels);
        }

        if ((long)size.Width * size.Height * 4 > Array.MaxLength)
        {
            throw new ImageException($"a {size.Width}x{size.Height} image is too large to decode");
        }

        return codec.EncodedOrigin == SKEncodedOrigin.TopLeft ? DecodeInPlace(codec, data, jpeg) : DecodeOriented(codec, data, jpeg);
    }

    /// <summary>An upright picture decodes straight into the image's buffer.</summary>
    private static Image DecodeInPlace(SKCodec codec, ReadOnlySpan<byte> data, bool jpeg)
    {
        var image = Image.Uninitialized(codec.Info.Width, codec.Info.Height);
        DecodeInto(codec, image.Pixels, data, jpeg);
        if (codec.Info.AlphaType != SKAlphaType.Opaque)
        {
            PixelLayout.MakeOpaque(image.Pixels);
        }

        return image;
    }

    /// <summary>A picture stored turned or mirrored decodes into scratch memory, then is turned upright into the image.</summary>
    private static Image DecodeOriented(SKCodec codec, ReadOnlySpan<byte> data, bool jpeg)
    {
        int width = codec.Info.Width, height = codec.Info.Height;
        int length = width * height * Image.BytesPerPixel;
        byte[] rgba = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            DecodeInto(codec, rgba.AsSpan(0, length), data, jpeg);
            return PixelLayout.Orient(rgba.AsSpan(0, length), width, height, codec.EncodedOrigin);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rgba);
        }
    }

    private static void DecodeInto(SKCodec codec, Span<byte> rgba, ReadOnlySpan<byte> data, bool jpeg)
    {
        // Unpremultiplied and without a colour space: colours as stored (no ICC conversion), as OpenCV reads them.
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        SKCodecResult result;
        fixed (byte* p = rgba)
        {
            result = codec.GetPixels(info, (nint)p);
        }

        if (result != SKCodecResult.Success)
        {
            if (jpeg && result == SKCodecResult.IncompleteInput)
            {
                throw Truncated();
            }

            throw new ImageException($"SkiaSharp could not decode it ({Describe(data)}; {Reason(result)})");
        }
    }

    private static ImageException Truncated() => new("truncated JPEG: no end-of-image marker after the last scan");

    private static string Reason(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "the data ends early",
        SKCodecResult.ErrorInInput => "the data has errors",
        SKCodecResult.InvalidInput => "the data is not valid",
        SKCodecResult.Unimplemented => "a feature of the file is not supported",
        _ => $"codec result {result}",
    };

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

        if (data.Length >= 12 && data[..4].SequenceEqual("RIFF"u8) && data[8..12].SequenceEqual("WEBP"u8))
        {
            return "WebP data that is corrupt or truncated";
        }

        if (data.Length >= 6 && (data[..6].SequenceEqual("GIF87a"u8) || data[..6].SequenceEqual("GIF89a"u8)))
        {
            return "GIF data that is corrupt or truncated";
        }

        // Formats that cameras and scanners write but that SkiaSharp's codecs here do not read.
        if (data.Length >= 4 && (data[..4].SequenceEqual("II*\0"u8) || data[..4].SequenceEqual("MM\0*"u8)))
        {
            return "a TIFF file, a format SkiaSharp does not decode; convert it to JPEG or PNG";
        }

        if (data.Length >= 12 && data[4..8].SequenceEqual("ftyp"u8) && IsHeifBrand(data[8..12]))
        {
            return $"a HEIF/AVIF file (brand '{System.Text.Encoding.ASCII.GetString(data[8..12])}'), a format SkiaSharp does not decode here; convert it to JPEG or PNG";
        }

        return $"not a recognised image format, {data.Length} bytes starting {Convert.ToHexString(data[..Math.Min(8, data.Length)])}";
    }

    private static bool IsHeifBrand(ReadOnlySpan<byte> brand) =>
        brand.SequenceEqual("heic"u8) || brand.SequenceEqual("heix"u8) || brand.SequenceEqual("mif1"u8) || brand.SequenceEqual("msf1"u8)
        || brand.SequenceEqual("avif"u8) || brand.SequenceEqual("avis"u8);

    private static void CheckQuality(int quality)
    {
        if (quality is < 1 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(quality), $"JPEG quality must be in 1..100, got {quality}");
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original error is the one worth reporting.
        }
    }
}
