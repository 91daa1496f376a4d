using SsdLite.Vision;

namespace SsdLite.Platform.Tests.Vision;

public sealed class DrawingTests
{
    [Fact]
    public void FilledRectangleCoversInclusiveCorners()
    {
        var image = new Image(10, 10);
        image.FillRectangle(2, 3, 5, 7, Rgb.Green);
        Assert.Equal(Rgb.Green, image[2, 3]);
        Assert.Equal(Rgb.Green, image[5, 7]);
        Assert.Equal(Rgb.Black, image[6, 7]);
        Assert.Equal(Rgb.Black, image[2, 8]);
    }

    [Fact]
    public void BoxOutlineLeavesTheInsideAndDrawsTheLabel()
    {
        var image = new Image(100, 80);
        image.DrawBox(20, 40, 70, 70, Rgb.Yellow, thickness: 1, label: "cat 0.9");
        Assert.Equal(Rgb.Yellow, image[20, 55]);
        Assert.Equal(Rgb.Yellow, image[70, 55]);
        Assert.Equal(Rgb.Black, image[45, 55]);

        // The label's filled background sits just above the box's top-left corner.
        Assert.Equal(Rgb.Yellow, image[21, 38]);
    }

    [Fact]
    public void ShapesFillTheirInterior()
    {
        var image = new Image(60, 60);
        image.FillCircle(15, 15, 8, Rgb.Red);
        image.FillEllipse(45, 15, 10, 4, 0, Rgb.Blue);
        image.FillPolygon([10, 40, 30, 40, 20, 58], Rgb.Green);
        Assert.Equal(Rgb.Red, image[15, 15]);
        Assert.Equal(Rgb.Red, image[22, 15]);
        Assert.Equal(Rgb.Black, image[15, 25]);
        Assert.Equal(Rgb.Blue, image[54, 15]);
        Assert.Equal(Rgb.Black, image[45, 21]);
        Assert.Equal(Rgb.Green, image[20, 45]);
        Assert.Equal(Rgb.Black, image[12, 55]);
    }

    [Fact]
    public void SingleChannelMaskTakesTheRedComponent()
    {
        byte[] mask = new byte[20 * 20];
        new PixelCanvas(mask, 20, 20, 1).Circle(10, 10, 5, new Rgb(1, 0, 0));
        Assert.Equal(1, mask[(10 * 20) + 10]);
        Assert.Equal(0, mask[0]);
    }

    [Fact]
    public void TextChangesPixels()
    {
        var image = new Image(80, 30);
        image.DrawText("Hi", 5, 20, Rgb.White);
        Assert.Contains(image.ToRgb(), b => b != 0);
    }

    [Fact]
    public void LabelsDrawWithTheEmbeddedFont()
    {
        // No font on the machine is needed: DejaVu Sans comes from the assembly (SSDLITE_FONT is unset in the tests).
        Assert.Null(Environment.GetEnvironmentVariable(PixelFont.EnvironmentVariable));
        Assert.Same(PixelFont.Embedded, PixelFont.Default);
        Assert.Equal("DejaVu Sans", PixelFont.Embedded.Typeface.FamilyName);
        var (w, h, baseline) = PixelCanvas.TextSize("cat 0.9");
        Assert.InRange(h, 8, 14); // capitals about 21 * 0.5 pixels tall, as OpenCV's Hershey font at scale 0.5
        Assert.InRange(w, 3 * h, 8 * h);
        Assert.InRange(baseline, 1, h);

        var image = new Image(100, 80);
        image.DrawBox(20, 40, 70, 70, Rgb.Yellow, thickness: 1, label: "cat 0.9");

        // Above the box: a yellow background holding dark text (black, the contrasting colour on yellow).
        int yellow = 0, dark = 0;
        for (int y = 40 - h - baseline - 4; y < 40; y++)
        {
            for (int x = 20; x < 20 + w + 4; x++)
            {
                var p = image[x, y];
                yellow += p == Rgb.Yellow ? 1 : 0;
                dark += p.R < 100 && p.G < 100 ? 1 : 0;
            }
        }

        Assert.True(yellow > 0 && dark > 10, $"label background {yellow} px, text {dark} px");
    }

    [Fact]
    public void AFontFileLoadsAndAFileThatIsNoFontDoesNot()
    {
        string dir = Directory.CreateTempSubdirectory("ssdlite-fonts-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "fake.ttf"), "not really a font");
            Assert.Null(PixelFont.FromFile(Path.Combine(dir, "fake.ttf")));
            Assert.Null(PixelFont.FromFile(Path.Combine(dir, "missing.ttf")));
            string copyPath = Path.Combine(dir, "copy.ttf");
            using (var resource = typeof(PixelFont).Assembly.GetManifestResourceStream("SsdLite.Vision.DejaVuSans.ttf")!)
            using (var file = File.Create(copyPath)) resource.CopyTo(file);
            var copy = PixelFont.FromFile(copyPath);
            Assert.NotNull(copy);
            Assert.Equal(copyPath, copy.Source);
            // The same font from a file measures text as the embedded one does.
            Assert.Equal(PixelCanvas.TextSize("cat 0.9"), new PixelCanvas(new byte[10 * Image.BytesPerPixel], 10, 1, Image.BytesPerPixel) { Font = copy }.MeasureText("cat 0.9"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void WithoutAFontBoxesAreStillDrawnAndTextIsLeftOut()
    {
        var image = new Image(100, 80);
        var canvas = new PixelCanvas(image.Pixels, 100, 80, Image.BytesPerPixel) { Font = null };
        canvas.Rectangle(20, 40, 70, 70, Rgb.Yellow);
        canvas.Label("cat 0.9", 20, 40, Rgb.Yellow);
        canvas.Text("cat", 30, 60, Rgb.White);
        Assert.Equal((0, 0, 0), canvas.MeasureText("cat"));

        Assert.Equal(Rgb.Yellow, image[20, 55]);
        Assert.Equal(Rgb.Yellow, image[45, 40]);
        Assert.Equal(Rgb.Black, image[45, 55]);
        int lit = 0;
        for (int y = 0; y < 80; y++)
        {
            for (int x = 0; x < 100; x++)
            {
                lit += image[x, y] != Rgb.Black ? 1 : 0;
            }
        }

        Assert.Equal((2 * 51) + (2 * 29), lit); // the outline only: no label, no text
    }

    [Fact]
    public void MaskShapesAreFilledWithExactlyTheValue()
    {
        // The synthetic data set draws its objects as 1-valued shapes on a mask and reads boxes off the mask.
        byte[] mask = new byte[64 * 48];
        var canvas = new PixelCanvas(mask, 64, 48, 1);
        canvas.Polygon([10, 10, 29, 10, 29, 29, 10, 29], new Rgb(1, 0, 0));
        Assert.Equal(20 * 20, mask.Count(v => v == 1));
        Assert.All(mask, v => Assert.True(v is 0 or 1));
        Assert.Equal(1, mask[(10 * 64) + 10]);
        Assert.Equal(1, mask[(29 * 64) + 29]);
        Assert.Equal(0, mask[(30 * 64) + 29]);

        Array.Clear(mask);
        canvas.Ellipse(40, 24, 12, 4, 90, new Rgb(1, 0, 0));
        var (minX, minY, maxX, maxY) = Extent(mask, 64);
        Assert.Equal((36, 12, 44, 36), (minX, minY, maxX, maxY)); // rotated a quarter turn: tall, not wide
        Assert.All(mask, v => Assert.True(v is 0 or 1));

        Array.Clear(mask);
        canvas.Circle(20, 20, 6, new Rgb(7, 0, 0));
        Assert.Equal((14, 14, 26, 26), Extent(mask, 64));
        Assert.Equal(7, mask[(20 * 64) + 20]);
        Assert.All(mask, v => Assert.True(v is 0 or 7));
    }

    [Fact]
    public void LinesIncludeBothEndsAndThickOutlinesGrowOutwards()
    {
        var image = new Image(40, 40);
        image.DrawLine(5, 5, 15, 5, Rgb.White);
        Assert.Equal(Rgb.White, image[5, 5]);
        Assert.Equal(Rgb.White, image[15, 5]);
        Assert.Equal(Rgb.Black, image[16, 5]);
        Assert.Equal(Rgb.Black, image[10, 6]);

        // Thickness 3: one pixel outside the corners, one inside, nothing further in.
        image.Canvas.Rectangle(10, 10, 30, 30, Rgb.Red, thickness: 3);
        Assert.Equal(Rgb.Red, image[9, 20]);
        Assert.Equal(Rgb.Red, image[11, 20]);
        Assert.Equal(Rgb.Black, image[12, 20]);
        Assert.Equal(Rgb.Black, image[8, 20]);
        Assert.Equal(Rgb.Red, image[31, 31]);
        Assert.Equal(Rgb.Black, image[20, 20]);
    }

    [Fact]
    public void AntiAliasingBlendsEdgesAndPlainDrawingDoesNot()
    {
        byte[] plain = new byte[30 * 30], smooth = new byte[30 * 30];
        new PixelCanvas(plain, 30, 30, 1).Line(2, 3, 27, 20, new Rgb(200, 0, 0), 2);
        new PixelCanvas(smooth, 30, 30, 1).Line(2, 3, 27, 20, new Rgb(200, 0, 0), 2, antiAlias: true);
        Assert.All(plain, v => Assert.True(v is 0 or 200));
        Assert.Contains(smooth, v => v is > 0 and < 200);
    }

    [Fact]
    public void ShapesPartlyOutsideTheImageAreClipped()
    {
        var image = new Image(20, 20);
        image.FillCircle(-3, 10, 6, Rgb.Green);
        image.FillRectangle(15, 15, 40, 40, Rgb.Blue);
        image.FillCircle(-50, -50, 3, Rgb.Red);
        Assert.Equal(Rgb.Green, image[0, 10]);
        Assert.Equal(Rgb.Blue, image[19, 19]);
        Assert.Equal(Rgb.Black, image[10, 5]);
    }

    private static (int MinX, int MinY, int MaxX, int MaxY) Extent(byte[] mask, int width)
    {
        int minX = int.MaxValue, minY = int.MaxValue, maxX = -1, maxY = -1;
        for (int i = 0; i < mask.Length; i++)
        {
            if (mask[i] != 0)
            {
                int x = i % width, y = i / width;
                minX = Math.Min(minX, x);
                maxX = Math.Max(maxX, x);
                minY = Math.Min(minY, y);
                maxY = Math.Max(maxY, y);
            }
        }

        return (minX, minY, maxX, maxY);
    }
}
