namespace SsdLite.Platform.Vision;

/// <summary>
/// OpenCV drawing in place on a packed uint8 buffer of 1 or 3 channels (an <see cref="Image"/>'s pixels, or a
/// single-channel mask). On a 1-channel buffer a colour's R component is the value drawn. Coordinates are
/// pixels; thickness &lt; 0 fills; <c>antiAlias</c> selects cv::LINE_AA instead of cv::LINE_8.
/// </summary>
public readonly unsafe ref struct PixelCanvas
{
    private const int Line8 = 8;
    private const int LineAa = 16;

    /// <summary>cv::FONT_HERSHEY_SIMPLEX.</summary>
    public const int FontSimplex = 0;

    private readonly Span<byte> _pixels;

    public PixelCanvas(Span<byte> pixels, int width, int height, int channels)
    {
        if (channels is not (1 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(channels), $"drawing takes 1 or 3 channels, not {channels}");
        }

        ImageOps.CheckSize(pixels.Length, width, height, channels, nameof(pixels));
        _pixels = pixels;
        Width = width;
        Height = height;
        Channels = channels;
    }

    public int Width { get; }

    public int Height { get; }

    public int Channels { get; }

    public void Line(int x1, int y1, int x2, int y2, Rgb color, int thickness = 1, bool antiAlias = false)
    {
        double* c = stackalloc double[4];
        Components(color, c);
        fixed (byte* p = _pixels)
        {
            NativeImage.Check(NativeImage.ssdimg_line(p, Width, Height, Channels, x1, y1, x2, y2, c, thickness, LineType(antiAlias)), "cv::line");
        }
    }

    /// <summary>The rectangle with corners (x1, y1) and (x2, y2), both inclusive.</summary>
    public void Rectangle(int x1, int y1, int x2, int y2, Rgb color, int thickness = 1, bool antiAlias = false)
    {
        double* c = stackalloc double[4];
        Components(color, c);
        fixed (byte* p = _pixels)
        {
            NativeImage.Check(NativeImage.ssdimg_rectangle(p, Width, Height, Channels, x1, y1, x2, y2, c, thickness, LineType(antiAlias)), "cv::rectangle");
        }
    }

    public void Circle(int cx, int cy, int radius, Rgb color, int thickness = -1, bool antiAlias = false)
    {
        double* c = stackalloc double[4];
        Components(color, c);
        fixed (byte* p = _pixels)
        {
            NativeImage.Check(NativeImage.ssdimg_circle(p, Width, Height, Channels, cx, cy, radius, c, thickness, LineType(antiAlias)), "cv::circle");
        }
    }

    /// <summary>An ellipse with half-axes (axisX, axisY) rotated by <paramref name="angleDegrees"/>.</summary>
    public void Ellipse(int cx, int cy, int axisX, int axisY, double angleDegrees, Rgb color, int thickness = -1, bool antiAlias = false)
    {
        double* c = stackalloc double[4];
        Components(color, c);
        fixed (byte* p = _pixels)
        {
            NativeImage.Check(NativeImage.ssdimg_ellipse(p, Width, Height, Channels, cx, cy, axisX, axisY, angleDegrees, c, thickness, LineType(antiAlias)), "cv::ellipse");
        }
    }

    /// <summary>A closed polygon; <paramref name="xy"/> holds (x, y) pairs. Filled when thickness &lt; 0.</summary>
    public void Polygon(ReadOnlySpan<int> xy, Rgb color, int thickness = -1, bool antiAlias = false)
    {
        if (xy.Length < 6 || xy.Length % 2 != 0)
        {
            throw new ArgumentException($"a polygon needs at least 3 (x, y) pairs, got {xy.Length} values", nameof(xy));
        }

        double* c = stackalloc double[4];
        Components(color, c);
        fixed (byte* p = _pixels)
        fixed (int* pts = xy)
        {
            NativeImage.Check(NativeImage.ssdimg_polygon(p, Width, Height, Channels, pts, xy.Length / 2, c, thickness, LineType(antiAlias)), "cv::fillPoly");
        }
    }

    /// <summary>Text whose baseline starts at (x, y) (cv::putText, Hershey simplex).</summary>
    public void Text(string text, int x, int y, Rgb color, double scale = 0.5, int thickness = 1, bool antiAlias = true)
    {
        double* c = stackalloc double[4];
        Components(color, c);
        fixed (byte* p = _pixels)
        {
            NativeImage.Check(NativeImage.ssdimg_put_text(p, Width, Height, Channels, text, x, y, FontSimplex, scale, c, thickness, LineType(antiAlias)), "cv::putText");
        }
    }

    /// <summary>The size of <paramref name="text"/> drawn by <see cref="Text"/> (cv::getTextSize): width, height above the baseline, and the depth below it.</summary>
    public static (int Width, int Height, int Baseline) TextSize(string text, double scale = 0.5, int thickness = 1)
    {
        NativeImage.Check(NativeImage.ssdimg_text_size(text, FontSimplex, scale, thickness, out int w, out int h, out int b), "cv::getTextSize");
        return (w, h, b);
    }

    /// <summary>Text on a filled background box whose bottom-left corner is (x, y), moved inside the image where it would leave it.</summary>
    public void Label(string text, int x, int y, Rgb background, double scale = 0.5, int thickness = 1)
    {
        var (w, h, baseline) = TextSize(text, scale, thickness);
        int boxHeight = h + baseline + 4;
        int boxWidth = w + 4;
        int top = y - boxHeight;
        if (top < 0)
        {
            top = Math.Min(y, Math.Max(0, Height - boxHeight));
        }

        int left = Math.Clamp(x, 0, Math.Max(0, Width - boxWidth));
        Rectangle(left, top, left + boxWidth - 1, top + boxHeight - 1, background, -1);
        Text(text, left + 2, top + 2 + h, background.Contrasting(), scale, thickness);
    }

    private static int LineType(bool antiAlias) => antiAlias ? LineAa : Line8;

    private static void Components(Rgb color, double* c)
    {
        c[0] = color.R;
        c[1] = color.G;
        c[2] = color.B;
        c[3] = 0;
    }
}
