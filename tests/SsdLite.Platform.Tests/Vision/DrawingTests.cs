using SsdLite.Platform.Vision;

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
        Assert.Contains(image.Data, b => b != 0);
    }
}
