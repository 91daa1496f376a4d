using SkiaSharp;
using SsdLite.Vision;

namespace SsdLite.Platform.Tests.Vision;

/// <summary>The RGBA layout of <see cref="Image"/>: where each byte lies, and that alpha stays 255 through every path.</summary>
public sealed class ImageLayoutTests
{
    [Fact]
    public void ANewImageIsOpaqueBlackRgba()
    {
        var image = new Image(3, 2);
        Assert.Equal(4, Image.BytesPerPixel);
        Assert.Equal(12, image.Stride);
        Assert.Equal(Enumerable.Repeat<byte[]>([0, 0, 0, 255], 6).SelectMany(p => p).ToArray(), image.Pixels.ToArray());
    }

    [Fact]
    public void PixelXYIsFourBytesAtItsRowAndColumn()
    {
        var image = new Image(3, 2);
        image[2, 1] = new Rgb(10, 20, 30);

        // (1 * 3 + 2) * 4 = 20.
        Assert.Equal([10, 20, 30, 255], image.Pixels.Slice(20, 4).ToArray());
        Assert.Equal([10, 20, 30, 255], image.Row(1).Slice(8, 4).ToArray());
        Assert.Equal(new Rgb(10, 20, 30), image[2, 1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => image.Row(2));
    }

    [Fact]
    public void PackedRgbGoesInAndComesOutUnchanged()
    {
        byte[] rgb = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        var image = Image.FromRgb(2, 2, rgb);
        Assert.Equal([1, 2, 3, 255, 4, 5, 6, 255, 7, 8, 9, 255, 10, 11, 12, 255], image.Pixels.ToArray());
        Assert.Equal(rgb, image.ToRgb());
        var error = Assert.Throws<ArgumentException>(() => Image.FromRgb(2, 2, rgb.AsSpan(1)));
        Assert.Contains("11 bytes do not hold a 2x2 RGB image", error.Message);
    }

    [Fact]
    public void DecodingDropsAlphaAndKeepsTheStoredColours()
    {
        // Two translucent pixels, stored unpremultiplied: imread keeps their colours and drops the alpha.
        using var bitmap = new SKBitmap(new SKImageInfo(2, 1, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.SetPixel(0, 0, new SKColor(10, 20, 30, 128));
        bitmap.SetPixel(1, 0, new SKColor(200, 100, 50, 64));
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        var image = ImageIO.Decode(png.ToArray());
        Assert.Equal([10, 20, 30, 255, 200, 100, 50, 255], image.Pixels.ToArray());
    }

    [Theory]
    [InlineData("rgba.png")]
    [InlineData("exif6.jpg")]
    [InlineData("exif3.jpg")]
    public void DecodedAndResizedImagesAreOpaque(string name)
    {
        var image = ImageIO.Read(VisionFixtures.PathOf(Path.Combine("decode", name)));
        AssertOpaque(image);

        // Resize writes the colour bytes only; the result's alpha must still be 255, up and down, at odd ratios.
        AssertOpaque(image.Resize(37, 23));
        AssertOpaque(image.Resize(image.Width * 3, image.Height * 2));
    }

    [Fact]
    public void DrawingBlendsOnlyColourAndOnlyInsideTheShapesBounds()
    {
        var image = new Image(60, 40);
        image.Fill(new Rgb(5, 6, 7));
        var canvas = image.Canvas;
        canvas.Circle(20, 20, 9, Rgb.Red, thickness: 2, antiAlias: true);
        canvas.Text("Ag", 35, 30, Rgb.White, scale: 0.6);
        AssertOpaque(image);

        // The circle reaches no further than its radius plus the stroke: column 0 and row 39 keep the fill.
        for (int y = 0; y < 40; y++)
        {
            Assert.Equal(new Rgb(5, 6, 7), image[0, y]);
        }

        for (int x = 0; x < 60; x++)
        {
            Assert.Equal(new Rgb(5, 6, 7), image[x, 39]);
        }

        Assert.NotEqual(new Rgb(5, 6, 7), image[29, 20]);
    }

    [Fact]
    public void ACanvasTakesRgbaOrAMaskOnly()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PixelCanvas(new byte[12], 2, 2, 3));
        Assert.Contains("1 (a mask) or 4 (RGBA)", error.Message);
    }

    private static void AssertOpaque(Image image)
    {
        var pixels = image.Pixels;
        for (int i = 3; i < pixels.Length; i += Image.BytesPerPixel)
        {
            Assert.True(pixels[i] == 255, $"alpha {pixels[i]} at byte {i} of a {image.Width}x{image.Height} image");
        }
    }
}
