using SsdLite.Data;
using SsdLite.Data.Augmentation;
using SsdLite.Vision;

namespace SsdLite.Data.Tests;

public sealed class AugmentationTests
{
    private static FloatImage Ramp(int width, int height)
    {
        var image = new FloatImage(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image[x, y, 0] = x;
                image[x, y, 1] = y;
                image[x, y, 2] = 200;
            }
        }

        return image;
    }

    [Fact]
    public void RentedImageHasTheConvertedValuesAndDistortsLikeAFreshOne()
    {
        var rgb = new byte[7 * 5 * 3];
        for (int i = 0; i < rgb.Length; i++)
        {
            rgb[i] = (byte)((i * 37) % 256);
        }

        var bytes = Image.FromRgb(7, 5, rgb);

        // A dirty pooled buffer longer than the image must not leak into the pixels or the distortion.
        var dirty = System.Buffers.ArrayPool<float>.Shared.Rent(rgb.Length);
        Array.Fill(dirty, -1f);
        System.Buffers.ArrayPool<float>.Shared.Return(dirty);

        var rented = FloatImage.Rent(bytes);
        var fresh = FloatImage.FromImage(bytes);
        try
        {
            Assert.Equal(fresh.Pixels.ToArray(), rented.Pixels.ToArray());
            Assert.Equal(rgb.Length, rented.Pixels.Length);
            new PhotometricDistort().Apply(rented, new Random(5));
            new PhotometricDistort().Apply(fresh, new Random(5));
            Assert.Equal(fresh.Pixels.ToArray(), rented.Pixels.ToArray());
            Assert.Equal(fresh.ToImage().ToRgb(), rented.ToImage().ToRgb());
        }
        finally
        {
            FloatImage.Return(rented);
        }
    }

    [Fact]
    public void FlipMapsXMinToWidthMinusXMax()
    {
        var image = Ramp(10, 4);
        var boxes = HorizontalFlip.FlipBoxes([new BoxLabel(2, 1, 5, 3, 4, true)], 10);
        Assert.Equal(new BoxLabel(5, 1, 8, 3, 4, true), boxes[0]);

        HorizontalFlip.FlipImage(image);
        Assert.Equal(9f, image[0, 2, 0]);
        Assert.Equal(0f, image[9, 2, 0]);
        Assert.Equal(2f, image[0, 2, 1]);
    }

    [Fact]
    public void ExpandKeepsObjectPixelsAtTheOffset()
    {
        var image = Ramp(10, 8);
        var placement = new ExpandPlacement(30, 20, 7, 5);
        var canvas = Expand.Place(image, placement, 127f);
        Assert.Equal((30, 20), (canvas.Width, canvas.Height));
        Assert.Equal(127f, canvas[0, 0, 0]);
        Assert.Equal(127f, canvas[29, 19, 2]);
        Assert.Equal(127f, canvas[6, 5, 1]);
        for (int y = 0; y < 8; y++)
        {
            for (int x = 0; x < 10; x++)
            {
                Assert.Equal(x, canvas[7 + x, 5 + y, 0]);
                Assert.Equal(y, canvas[7 + x, 5 + y, 1]);
            }
        }

        var boxes = Expand.PlaceBoxes([new BoxLabel(1, 2, 4, 6, 3)], placement);
        Assert.Equal(new BoxLabel(8, 7, 11, 11, 3), boxes[0]);

        // The object's pixels are still under its box: the box's top-left pixel holds the original (1, 2).
        Assert.Equal(1f, canvas[8, 7, 0]);
        Assert.Equal(2f, canvas[8, 7, 1]);
    }

    [Fact]
    public void ExpandComposeOfARegionEqualsTheCropOfTheCanvas()
    {
        var image = Ramp(10, 8);
        var placement = new ExpandPlacement(30, 20, 7, 5);
        var canvas = Expand.Place(image, placement, 127f);
        var rect = new CropRect(4, 3, 9, 12);
        var expected = RandomSampleCrop.CropImage(canvas, rect);
        float[] region = new float[9 * 12 * 3];
        Expand.Compose(image, placement, 127f, rect.X, rect.Y, rect.Width, rect.Height, region);
        Assert.Equal(expected.Data, region);
    }

    [Fact]
    public void ExpandSamplesStayInTheirRanges()
    {
        var rng = new Random(1);
        var expand = new Expand();
        int applied = 0;
        for (int i = 0; i < 1000; i++)
        {
            if (expand.Sample(rng, 50, 40) is { } p)
            {
                applied++;
                Assert.InRange(p.CanvasWidth, 50, 200);
                Assert.InRange(p.CanvasHeight, 40, 160);
                Assert.InRange(p.Left, 0, p.CanvasWidth - 50);
                Assert.InRange(p.Top, 0, p.CanvasHeight - 40);
            }
        }

        Assert.InRange(applied, 430, 570);
    }

    [Fact]
    public void CropKeepsOnlyCentreInsideBoxesClippedToTheWindow()
    {
        var rect = new CropRect(10, 10, 50, 50); // x 10..60, y 10..60
        BoxLabel[] boxes =
        [
            new(20, 20, 40, 40, 1),          // centre (30, 30): kept, shifted by -10
            new(0, 0, 16, 16, 2, true),      // centre (8, 8): dropped
            new(50, 30, 80, 40, 3),          // centre (65, 35): dropped
            new(45, 45, 70, 58, 4, true),    // centre (57.5, 51.5): kept, clipped at x = 60
        ];
        var kept = RandomSampleCrop.CropBoxes(boxes, rect);
        Assert.Equal([new BoxLabel(10, 10, 30, 30, 1), new BoxLabel(35, 35, 50, 48, 4, true)], kept);
    }

    [Fact]
    public void CropWindowsMeetTheirConstraints()
    {
        var crop = new RandomSampleCrop();
        BoxLabel[] boxes = [new(100, 80, 180, 200, 1), new(10, 10, 40, 30, 2)];
        int cropped = 0;
        for (int seed = 0; seed < 300; seed++)
        {
            if (crop.Sample(new Random(seed), 300, 240, boxes) is not { } r)
            {
                continue;
            }

            cropped++;
            Assert.True(r.X >= 0 && r.Y >= 0 && r.Right <= 300 && r.Bottom <= 240, $"{r}");
            Assert.True(r.Width >= (0.3 * 300) - 1 && r.Height >= (0.3 * 240) - 1, $"{r}");
            Assert.NotEmpty(RandomSampleCrop.CropBoxes(boxes, r));
        }

        // A sixth of the mode draws is "no crop"; almost all others find a window.
        Assert.InRange(cropped, 200, 290);
    }

    [Fact]
    public void CropOfAnImageCopiesTheWindow()
    {
        var image = Ramp(10, 8);
        var c = RandomSampleCrop.CropImage(image, new CropRect(3, 2, 4, 5));
        Assert.Equal((4, 5), (c.Width, c.Height));
        Assert.Equal(3f, c[0, 0, 0]);
        Assert.Equal(2f, c[0, 0, 1]);
        Assert.Equal(6f, c[3, 4, 0]);
        Assert.Equal(6f, c[3, 4, 1]);
    }

    [Fact]
    public void PhotometricOpsByHand()
    {
        float[] px = [10, 20, 30, 40, 50, 60];
        PhotometricDistort.AdjustBrightness(px, 5);
        Assert.Equal([15f, 25, 35, 45, 55, 65], px);
        PhotometricDistort.AdjustContrast(px, 0.5f);
        Assert.Equal([7.5f, 12.5f, 17.5f, 22.5f, 27.5f, 32.5f], px);
        PhotometricDistort.SwapChannels(px, [2, 1, 0]);
        Assert.Equal([17.5f, 12.5f, 7.5f, 32.5f, 27.5f, 22.5f], px);

        float[] hsv = [350, 0.5f, 100, 5, 0.2f, 50];
        PhotometricDistort.ShiftHueHsv(hsv, 18);
        Assert.Equal(8f, hsv[0], 4);
        Assert.Equal(23f, hsv[3], 4);
        PhotometricDistort.ShiftHueHsv(hsv, -18);
        PhotometricDistort.ShiftHueHsv(hsv, -18);
        Assert.Equal(332f, hsv[0], 4);
        Assert.Equal(347f, hsv[3], 4);
        PhotometricDistort.AdjustSaturationHsv(hsv, 1.5f);
        Assert.Equal(0.75f, hsv[1], 5);
        Assert.Equal(100f, hsv[2]);
    }

    [Fact]
    public void PhotometricDistortOfAGreyImageKeepsItGrey()
    {
        // Grey has no saturation or hue: only brightness and contrast change it, equally in all channels.
        var image = new FloatImage(8, 8);
        image.Pixels.Fill(100);
        var photometric = new PhotometricDistort();
        for (int seed = 0; seed < 20; seed++)
        {
            var copy = image.Clone();
            photometric.Apply(copy, new Random(seed));
            for (int i = 0; i < copy.Data.Length; i += 3)
            {
                Assert.Equal(copy.Data[i], copy.Data[i + 1], 2);
                Assert.Equal(copy.Data[i], copy.Data[i + 2], 2);
                Assert.InRange(copy.Data[i], (100 - 32) * 0.5f - 0.1f, (100 + 32) * 1.5f + 0.1f);
            }
        }
    }

    [Fact]
    public void WithoutGeometricStepsBoxesAreOnlyScaledOrFlipped()
    {
        var aug = new SsdAugmentation(50) { Expand = new Expand { Probability = 0 }, Crop = new RandomSampleCrop { Modes = [null] } };
        var image = new Image(100, 80);
        image.Fill(new Rgb(90, 140, 30));
        float[] dst = new float[aug.OutputLength];
        for (int seed = 0; seed < 20; seed++)
        {
            var boxes = aug.Apply(image, [new BoxLabel(10, 20, 30, 60, 2)], new Random(seed), dst);
            var b = Assert.Single(boxes);
            bool plain = Near(b, new BoxLabel(0.1f, 0.25f, 0.3f, 0.75f, 2));
            bool flipped = Near(b, new BoxLabel(0.7f, 0.25f, 0.9f, 0.75f, 2));
            Assert.True(plain || flipped, $"{b}");
        }
    }

    [Fact]
    public void FiveHundredRandomRunsGiveBoxesInsideTheUnitSquareWithArea()
    {
        var aug = new SsdAugmentation(64);
        float[] dst = new float[aug.OutputLength];
        var rng = new Random(7);
        int total = 0;
        for (int run = 0; run < 500; run++)
        {
            int w = rng.Next(20, 200), h = rng.Next(20, 200);
            var rgb = new byte[w * h * 3];
            rng.NextBytes(rgb);
            var image = Image.FromRgb(w, h, rgb);
            var boxes = new BoxLabel[rng.Next(0, 5)];
            for (int i = 0; i < boxes.Length; i++)
            {
                float x0 = rng.Next(0, w - 2), y0 = rng.Next(0, h - 2);
                boxes[i] = new BoxLabel(x0, y0, rng.Next((int)x0 + 1, w), rng.Next((int)y0 + 1, h), i + 1, rng.Next(4) == 0);
            }

            var result = aug.Apply(image, boxes, new Random(run), dst);
            foreach (var b in result)
            {
                Assert.True(b.XMin >= 0 && b.YMin >= 0 && b.XMax <= 1 && b.YMax <= 1, $"run {run}: {b}");
                Assert.True(b.XMax > b.XMin && b.YMax > b.YMin, $"run {run}: {b}");
                Assert.Contains(boxes, o => o.Label == b.Label && o.Difficult == b.Difficult);
            }

            if (boxes.Length > 0)
            {
                Assert.NotEmpty(result);
            }

            total += result.Length;
            Assert.All(dst, v => Assert.True(float.IsFinite(v)));
        }

        Assert.True(total > 500);
    }

    [Fact]
    public void SameSeedSameOutput()
    {
        var aug = new SsdAugmentation(60);
        var rgb = new byte[120 * 90 * 3];
        new Random(3).NextBytes(rgb);
        var image = Image.FromRgb(120, 90, rgb);
        BoxLabel[] boxes = [new(10, 10, 60, 50, 1), new(70, 30, 110, 85, 2, true)];
        float[] a = new float[aug.OutputLength], b = new float[aug.OutputLength];
        for (int seed = 0; seed < 10; seed++)
        {
            var ba = aug.Apply(image, boxes, new Random(seed), a);
            var bb = aug.Apply(image, boxes, new Random(seed), b);
            Assert.Equal(ba, bb);
            Assert.Equal(a, b);
        }
    }

    [Fact]
    public void FusedPipelineEqualsTheOpsOneAfterAnother()
    {
        var aug = new SsdAugmentation(40);
        var rgb = new byte[90 * 70 * 3];
        new Random(11).NextBytes(rgb);
        var image = Image.FromRgb(90, 70, rgb);
        BoxLabel[] boxes = [new(10, 10, 50, 40, 1), new(40, 30, 85, 66, 2)];
        float[] fused = new float[aug.OutputLength], manual = new float[aug.OutputLength];
        for (int seed = 0; seed < 40; seed++)
        {
            var fusedBoxes = aug.Apply(image, boxes, new Random(seed), fused);

            var rng = new Random(seed);
            var img = FloatImage.FromImage(image);
            aug.Photometric.Apply(img, rng);
            var (e, eb) = aug.Expand.Apply(img, boxes, rng);
            var (c, cb) = aug.Crop.Apply(e, eb, rng);
            var (f, fb) = HorizontalFlip.Apply(c, cb, rng);
            var resized = f.Resize(40, 40);
            Normalize.ToChw(resized.Data, 40, 40, manual);
            var manualBoxes = BoxOps.ToRelative(fb, f.Width, f.Height);

            Assert.Equal(manualBoxes.Length, fusedBoxes.Length);
            for (int i = 0; i < manualBoxes.Length; i++)
            {
                Assert.True(Near(manualBoxes[i], fusedBoxes[i]), $"seed {seed}: {manualBoxes[i]} vs {fusedBoxes[i]}");
            }

            for (int i = 0; i < manual.Length; i++)
            {
                Assert.True(Math.Abs(manual[i] - fused[i]) < 1e-3f, $"seed {seed} value {i}: {manual[i]} vs {fused[i]}");
            }
        }
    }

    [Fact]
    public void NormalizeWritesPlanesInRgbOrder()
    {
        byte[] hwc = [255, 0, 127, 0, 255, 255];
        float[] chw = new float[6];
        Normalize.ToChw(hwc, 2, 1, chw);
        Assert.Equal([128f / 128, -127f / 128, -127f / 128, 128f / 128, 0f, 128f / 128], chw);

        float[] mirrored = new float[6];
        Normalize.ToChw([255f, 0, 127, 0, 255, 255], 2, 1, mirrored, mirror: true);
        Assert.Equal([-127f / 128, 128f / 128, 128f / 128, -127f / 128, 128f / 128, 0f], mirrored);
    }

    [Fact]
    public void TestTransformResizesBilinearThenNormalizes()
    {
        // The 2x2 image 0 160 / 32 96 upscaled to 4x4: pixel (1, 1) is 42 (see the Vision resize test's hand sum).
        var image = new Image(2, 2);
        image[1, 0] = new Rgb(160, 160, 160);
        image[0, 1] = new Rgb(32, 32, 32);
        image[1, 1] = new Rgb(96, 96, 96);
        var t = new SsdTestTransform(4);
        float[] dst = new float[t.OutputLength];
        t.Apply(image, dst);
        Assert.Equal((42f - 127f) / 128f, dst[5]);
        Assert.Equal((42f - 127f) / 128f, dst[16 + 5]);
        Assert.Equal(-127f / 128f, dst[0]);
    }

    private static bool Near(BoxLabel a, BoxLabel b) =>
        a.Label == b.Label && a.Difficult == b.Difficult && Math.Abs(a.XMin - b.XMin) < 1e-4 && Math.Abs(a.YMin - b.YMin) < 1e-4
        && Math.Abs(a.XMax - b.XMax) < 1e-4 && Math.Abs(a.YMax - b.YMax) < 1e-4;
}
