using System.Buffers.Binary;
using SsdLite.Vision;

namespace SsdLite.Platform.Tests.Vision;

public sealed class ImageIOTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssdlite-vision-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Image Pattern(int width, int height)
    {
        var image = new Image(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image[x, y] = new Rgb((byte)(x * 7), (byte)(y * 11), (byte)((x + y) * 3));
            }
        }

        return image;
    }

    [Theory]
    [InlineData("png")]
    [InlineData("webp")]
    public void LosslessFormatsRoundTripExactly(string ext)
    {
        var image = Pattern(37, 23);
        string path = Path.Combine(_dir, "pattern." + ext);
        ImageIO.Write(path, image);
        var back = ImageIO.Read(path);
        Assert.Equal(37, back.Width);
        Assert.Equal(23, back.Height);
        Assert.Equal(image.ToRgb(), back.ToRgb());
    }

    [Fact]
    public void JpegRoundTripsWithinTolerance()
    {
        // A smooth image: JPEG at quality 95 stays within a few levels of it.
        var image = new Image(64, 48);
        for (int y = 0; y < 48; y++)
        {
            for (int x = 0; x < 64; x++)
            {
                image[x, y] = new Rgb((byte)(x * 3), (byte)(y * 4), 128);
            }
        }

        string path = Path.Combine(_dir, "smooth.jpg");
        ImageIO.Write(path, image, quality: 95);
        var back = ImageIO.Read(path);
        Assert.Equal((64, 48), (back.Width, back.Height));
        int worst = 0;
        byte[] written = image.ToRgb(), read = back.ToRgb();
        for (int i = 0; i < written.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(written[i] - read[i]));
        }

        Assert.True(worst <= 8, $"largest JPEG error {worst}");
    }

    [Fact]
    public void EncodeDecodeInMemoryMatchesFile()
    {
        var image = Pattern(16, 9);
        byte[] png = ImageIO.Encode(image, ".png");
        Assert.Equal(0x89, png[0]);
        Assert.Equal(image.ToRgb(), ImageIO.Decode(png).ToRgb());
    }

    [Fact]
    public void DecodeWithAPixelLimitRefusesFromTheHeaderAndDecodesAtTheLimit()
    {
        var image = Pattern(40, 30);
        byte[] png = ImageIO.Encode(image, ".png");
        Assert.Equal(image.ToRgb(), ImageIO.Decode(png, maxPixels: 40 * 30).ToRgb());
        var e = Assert.Throws<ImageTooLargeException>(() => ImageIO.Decode(png, maxPixels: 40 * 30 - 1));
        Assert.Equal((40, 30, 1199L), (e.Width, e.Height, e.Limit));
        Assert.Contains("40x30 = 1200 pixels", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BmpIsReadButNotWritten()
    {
        // SkiaSharp decodes BMP and has no BMP encoder; detect draws a .bmp input as PNG (DrawNames).
        var e = Assert.Throws<ImageException>(() => ImageIO.Encode(Pattern(4, 2), ".bmp"));
        Assert.Contains("'.bmp'", e.Message);
        Assert.Contains(".png", e.Message);
    }

    [Fact]
    public void HandWrittenBmpDecodesToRgb()
    {
        // 2x1, 24-bit, bottom-up: pixel 0 = B 00 G 00 R FF (red), pixel 1 = B FF G 00 R 00 (blue), row padded to 8 bytes.
        var image = ImageIO.Decode(HandWrittenBmp(2, 1, [0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00]));
        Assert.Equal((2, 1), (image.Width, image.Height));
        Assert.Equal(new Rgb(255, 0, 0), image[0, 0]);
        Assert.Equal(new Rgb(0, 0, 255), image[1, 0]);
    }

    [Fact]
    public void ExifOrientationSixRotatesClockwise()
    {
        // Stored 40x20: left half red, right half blue. Orientation 6 means "rotate 90 degrees clockwise to
        // display": the result is 20x40 and the stored left column becomes the top row, so red on top.
        var stored = new Image(40, 20);
        stored.FillRectangle(0, 0, 19, 19, Rgb.Red);
        stored.FillRectangle(20, 0, 39, 19, Rgb.Blue);
        byte[] jpeg = ImageIO.Encode(stored, ".jpg", 95);

        byte[] app1 =
        [
            0xFF, 0xE1, 0x00, 0x22, // APP1, length 34 (itself included)
            (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0,
            (byte)'M', (byte)'M', 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08, // big-endian TIFF header, IFD0 at 8
            0x00, 0x01, // one entry
            0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00, // Orientation, SHORT, 1, value 6
            0x00, 0x00, 0x00, 0x00, // no next IFD
        ];
        byte[] withExif = [.. jpeg[..2], .. app1, .. jpeg[2..]];
        string path = Path.Combine(_dir, "rotated.jpg");
        File.WriteAllBytes(path, withExif);

        var image = ImageIO.Read(path);
        Assert.Equal((20, 40), (image.Width, image.Height));
        AssertNear(Rgb.Red, image[10, 5]);
        AssertNear(Rgb.Red, image[2, 15]);
        AssertNear(Rgb.Blue, image[10, 35]);
        AssertNear(Rgb.Blue, image[17, 25]);

        var decoded = ImageIO.Decode(withExif);
        Assert.Equal(image.ToRgb(), decoded.ToRgb());
    }

    [Fact]
    public void TruncatedJpegThrowsNamingTheFile()
    {
        var image = Pattern(64, 64);
        byte[] jpeg = ImageIO.Encode(image, ".jpg", 90);
        string path = Path.Combine(_dir, "cut.jpg");
        File.WriteAllBytes(path, jpeg[..(jpeg.Length / 2)]);
        var e = Assert.Throws<ImageException>(() => ImageIO.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Equal(path, e.Path);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void TruncatedPngThrowsNamingTheFile()
    {
        byte[] png = ImageIO.Encode(Pattern(64, 64), ".png");
        string path = Path.Combine(_dir, "cut.png");
        File.WriteAllBytes(path, png[..(png.Length / 2)]);
        var e = Assert.Throws<ImageException>(() => ImageIO.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("PNG", e.Message);
    }

    [Fact]
    public void GarbageAndMissingFilesThrowNamingTheFile()
    {
        string garbage = Path.Combine(_dir, "garbage.jpg");
        File.WriteAllText(garbage, "this is not an image at all");
        var e = Assert.Throws<ImageException>(() => ImageIO.Read(garbage));
        Assert.Contains(garbage, e.Message);
        Assert.Contains("not a recognised image format", e.Message);

        string missing = Path.Combine(_dir, "missing.png");
        e = Assert.Throws<ImageException>(() => ImageIO.Read(missing));
        Assert.Contains(missing, e.Message);
        Assert.Contains("no such file", e.Message);
        Assert.IsType<FileNotFoundException>(e.InnerException);

        string empty = Path.Combine(_dir, "empty.png");
        File.WriteAllBytes(empty, []);
        e = Assert.Throws<ImageException>(() => ImageIO.Read(empty));
        Assert.Contains(empty, e.Message);
    }

    [Fact]
    public void WritingAnUnknownExtensionThrows()
    {
        var e = Assert.Throws<ImageException>(() => ImageIO.Write(Path.Combine(_dir, "x.unknown"), Pattern(4, 4)));
        Assert.Contains("x.unknown", e.Message);
    }

    [Fact]
    public void WebpIsWrittenLossless()
    {
        var image = Pattern(37, 23);
        string path = Path.Combine(_dir, "pattern.webp");
        ImageIO.Write(path, image);
        Assert.Equal(image.ToRgb(), ImageIO.Read(path).ToRgb());
    }

    [Fact]
    public void WritesReplaceTheFileWholeAndLeaveNothingElse()
    {
        string path = Path.Combine(_dir, "out.png");
        File.WriteAllText(path, "old contents");
        var image = Pattern(8, 8);
        ImageIO.Write(path, image);
        Assert.Equal(image.ToRgb(), ImageIO.Read(path).ToRgb());
        Assert.Equal(["out.png"], Directory.GetFiles(_dir).Select(Path.GetFileName));

        string nowhere = Path.Combine(_dir, "no", "such", "folder", "x.jpg");
        var e = Assert.Throws<ImageException>(() => ImageIO.Write(nowhere, image));
        Assert.Contains(nowhere, e.Message);
        Assert.Equal(nowhere, e.Path);
    }

    [Fact]
    public void EncodingToAnUnknownFormatThrows()
    {
        var e = Assert.Throws<ImageException>(() => ImageIO.Encode(Pattern(4, 4), "tiff"));
        Assert.Contains(".tiff", e.Message);
    }

    [Theory]
    [InlineData("FFD8FF", "truncated")]
    [InlineData("FFD8FFE000104A464946", "truncated")]
    [InlineData("89504E470D0A1A0A", "PNG")]
    [InlineData("89504E470D0A1A0A0000000D49484452", "PNG")]
    [InlineData("424D", "BMP")]
    [InlineData("424D3600000000000000360000002800", "BMP")]
    [InlineData("52494646000000005745425056503820", "WebP")]
    [InlineData("474946383961", "GIF")]
    [InlineData("49492A000800000000000000", "a TIFF file, a format SkiaSharp does not decode")]
    [InlineData("4D4D002A0000000800000000", "a TIFF file, a format SkiaSharp does not decode")]
    [InlineData("0000001866747970686569630000000068656963", "a HEIF/AVIF file (brand 'heic')")]
    [InlineData("00", "not a recognised image format, 1 bytes starting 00")]
    [InlineData("0102030405060708090A", "not a recognised image format, 10 bytes starting 0102030405060708")]
    public void BrokenDataThrowsAnImageExceptionThatSaysWhatItIs(string hex, string expected)
    {
        var e = Assert.Throws<ImageException>(() => ImageIO.Decode(Convert.FromHexString(hex)));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void TruncatedBmpThrowsNamingTheFile()
    {
        byte[] bmp = HandWrittenBmp(40, 30, new byte[40 * 3 * 30]);
        string path = Path.Combine(_dir, "cut.bmp");
        File.WriteAllBytes(path, bmp[..(bmp.Length / 2)]);
        var e = Assert.Throws<ImageException>(() => ImageIO.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("BMP", e.Message);
    }

    // A 24-bit bottom-up BMP: the 14-byte file header, the 40-byte info header, then the rows as given (padded to 4 bytes).
    private static byte[] HandWrittenBmp(int width, int height, byte[] rows)
    {
        var bmp = new List<byte>();
        bmp.AddRange("BM"u8.ToArray());
        bmp.AddRange(BitConverter.GetBytes(14 + 40 + rows.Length));
        bmp.AddRange(new byte[4]);
        bmp.AddRange(BitConverter.GetBytes(54));
        bmp.AddRange(BitConverter.GetBytes(40));
        bmp.AddRange(BitConverter.GetBytes(width));
        bmp.AddRange(BitConverter.GetBytes(height));
        bmp.AddRange(BitConverter.GetBytes((short)1));
        bmp.AddRange(BitConverter.GetBytes((short)24));
        bmp.AddRange(new byte[24]);
        bmp.AddRange(rows);
        return bmp.ToArray();
    }

    private static void AssertNear(Rgb expected, Rgb actual, int tolerance = 24)
    {
        Assert.True(Math.Abs(expected.R - actual.R) <= tolerance && Math.Abs(expected.G - actual.G) <= tolerance
            && Math.Abs(expected.B - actual.B) <= tolerance, $"expected about {expected}, got {actual}");
    }
}
