using SsdLite.Vision;

namespace SsdLite.Platform.Tests.Vision;

public sealed class ImageOpsTests
{
    // 2x2 source a b / c d = 0 160 / 32 96. Upscaling to 4x4 bilinear with OpenCV's half-pixel centres maps
    // destination column 0..3 to source x = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1); the same for rows.
    // (1,1): rows 0.75/0.25, columns 0.75/0.25: 0.75 * (0.75*0 + 0.25*160) + 0.25 * (0.75*32 + 0.25*96) = 30 + 12 = 42.
    // (2,1): 0.75 * (0.25*0 + 0.75*160) + 0.25 * (0.25*32 + 0.75*96) = 90 + 20 = 110.
    // (0,2): rows 0.25/0.75 at column 0: 0.25*0 + 0.75*32 = 24.
    [Fact]
    public void BilinearUpscaleOfTwoByTwoMatchesHandComputation()
    {
        var image = new Image(2, 2);
        image[0, 0] = new Rgb(0, 0, 0);
        image[1, 0] = new Rgb(160, 160, 160);
        image[0, 1] = new Rgb(32, 32, 32);
        image[1, 1] = new Rgb(96, 96, 96);
        var big = image.Resize(4, 4);
        Assert.Equal(0, big[0, 0].R);
        Assert.Equal(160, big[3, 0].G);
        Assert.Equal(96, big[3, 3].B);
        Assert.Equal(42, big[1, 1].R);
        Assert.Equal(110, big[2, 1].G);
        Assert.Equal(24, big[0, 2].B);

        float[] src = [0, 160, 32, 96];
        float[] dst = new float[16];
        ImageOps.Resize(src, 2, 2, dst, 4, 4, channels: 1);
        Assert.Equal(42f, dst[5], 4);
        Assert.Equal(110f, dst[6], 4);
    }

    [Fact]
    public void ResizeRegionReadsOnlyTheRegion()
    {
        // A 4x2 float image whose right 2x2 half is the 0 160 / 32 96 square above.
        float[] src = [9, 9, 0, 160, 9, 9, 32, 96];
        float[] dst = new float[16];
        ImageOps.ResizeRegion(src, 4, 2, 0, 2, 2, dst, 4, 4, channels: 1);
        Assert.Equal(42f, dst[5], 4);
        Assert.Equal(0f, dst[0], 4);
    }

    [Fact]
    public void HsvOfPureColoursAndRoundTrip()
    {
        // Red is hue 0, green 120, blue 240; saturation 1; value the channel's maximum.
        float[] rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255, 100, 50, 50];
        float[] hsv = new float[rgb.Length];
        ImageOps.ConvertColor(rgb, hsv, 4, 1, ColorConversion.RgbToHsv);
        Assert.Equal(0f, hsv[0], 3);
        Assert.Equal(120f, hsv[3], 3);
        Assert.Equal(240f, hsv[6], 3);
        Assert.Equal(1f, hsv[1], 4);
        Assert.Equal(255f, hsv[2], 3);

        // (100, 50, 50): V = 100, S = (100 - 50) / 100 = 0.5, H = 0.
        Assert.Equal(0f, hsv[9], 3);
        Assert.Equal(0.5f, hsv[10], 4);
        Assert.Equal(100f, hsv[11], 3);

        ImageOps.ConvertColor(hsv, hsv, 4, 1, ColorConversion.HsvToRgb);
        for (int i = 0; i < rgb.Length; i++)
        {
            Assert.Equal(rgb[i], hsv[i], 2);
        }
    }

    [Fact]
    public void WrongBufferSizesThrow()
    {
        Assert.Throws<ArgumentException>(() => ImageOps.Resize(new byte[11], 2, 2, new byte[12], 2, 2));
    }
}
