namespace SsdLite.Vision;

/// <summary>
/// An 8-bit RGB image, interleaved row by row (HWC): pixel (x, y) starts at <c>(y * Width + x) * 3</c> of
/// <see cref="Data"/>. Decoded as OpenCV's imread does (EXIF orientation applied), but in RGB order.
/// </summary>
public sealed class Image
{
    /// <summary>Channels per pixel (RGB).</summary>
    public const int Channels = 3;

    /// <summary>A black image.</summary>
    public Image(int width, int height)
        : this(width, height, new byte[CheckedLength(width, height)])
    {
    }

    /// <summary>Wraps <paramref name="data"/> (not copied), which must hold width * height * 3 bytes.</summary>
    public Image(int width, int height, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != CheckedLength(width, height))
        {
            throw new ArgumentException($"{data.Length} bytes do not hold a {width}x{height} RGB image", nameof(data));
        }

        Width = width;
        Height = height;
        Data = data;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>The pixels, HWC RGB.</summary>
    public byte[] Data { get; }

    /// <summary>The pixels, HWC, RGB, row by row.</summary>
    public Span<byte> Pixels => Data;

    /// <summary>Drawing on this image's pixels.</summary>
    public PixelCanvas Canvas => new(Data, Width, Height, Channels);

    /// <summary>The bytes of row <paramref name="y"/>.</summary>
    public Span<byte> Row(int y) => Data.AsSpan(y * Width * Channels, Width * Channels);

    /// <summary>The pixel at column <paramref name="x"/>, row <paramref name="y"/>.</summary>
    public Rgb this[int x, int y]
    {
        get
        {
            int i = Index(x, y);
            return new Rgb(Data[i], Data[i + 1], Data[i + 2]);
        }

        set
        {
            int i = Index(x, y);
            Data[i] = value.R;
            Data[i + 1] = value.G;
            Data[i + 2] = value.B;
        }
    }

    /// <summary>A copy with its own pixel buffer.</summary>
    public Image Clone() => new(Width, Height, (byte[])Data.Clone());

    /// <summary>Sets every pixel to <paramref name="color"/>.</summary>
    public void Fill(Rgb color)
    {
        var px = Data.AsSpan();
        for (int i = 0; i < px.Length; i += 3)
        {
            px[i] = color.R;
            px[i + 1] = color.G;
            px[i + 2] = color.B;
        }
    }

    /// <summary>A resized copy (as cv::resize with INTER_LINEAR, bit for bit on uint8: the detector's input transform).</summary>
    public Image Resize(int width, int height)
    {
        var result = new Image(width, height);
        ImageOps.Resize(Data, Width, Height, result.Data, width, height, Channels);
        return result;
    }

    /// <summary>
    /// The outline of a box given by its corners in pixels (xmax/ymax inclusive), with an optional label on a
    /// filled background above its top-left corner (below it when there is no room).
    /// </summary>
    public void DrawBox(float xMin, float yMin, float xMax, float yMax, Rgb color, int thickness = 2, string? label = null)
    {
        int x1 = (int)MathF.Round(xMin), y1 = (int)MathF.Round(yMin);
        int x2 = (int)MathF.Round(xMax), y2 = (int)MathF.Round(yMax);
        var canvas = Canvas;
        canvas.Rectangle(x1, y1, x2, y2, color, thickness);
        if (!string.IsNullOrEmpty(label))
        {
            canvas.Label(label, x1 - ((thickness - 1) / 2), y1 - ((thickness - 1) / 2), color);
        }
    }

    /// <summary>Draws a line of <paramref name="thickness"/> pixels.</summary>
    public void DrawLine(int x1, int y1, int x2, int y2, Rgb color, int thickness = 1) =>
        Canvas.Line(x1, y1, x2, y2, color, thickness);

    /// <summary>Fills the rectangle with corners (x1, y1) and (x2, y2), both inclusive.</summary>
    public void FillRectangle(int x1, int y1, int x2, int y2, Rgb color) => Canvas.Rectangle(x1, y1, x2, y2, color, -1);

    /// <summary>Fills a circle.</summary>
    public void FillCircle(int cx, int cy, int radius, Rgb color) => Canvas.Circle(cx, cy, radius, color, -1);

    /// <summary>Fills an ellipse rotated by <paramref name="angleDegrees"/>.</summary>
    public void FillEllipse(int cx, int cy, int axisX, int axisY, double angleDegrees, Rgb color) =>
        Canvas.Ellipse(cx, cy, axisX, axisY, angleDegrees, color, -1);

    /// <summary>Fills a polygon given as (x, y) pairs.</summary>
    public void FillPolygon(ReadOnlySpan<int> xy, Rgb color) => Canvas.Polygon(xy, color, -1);

    /// <summary>Text with its baseline at (x, y); with a background colour, on a filled box.</summary>
    public void DrawText(string text, int x, int y, Rgb color, double scale = 0.5, Rgb? background = null)
    {
        if (background is { } bg)
        {
            Canvas.Label(text, x, y, bg, scale);
        }
        else
        {
            Canvas.Text(text, x, y, color, scale);
        }
    }

    private int Index(int x, int y)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
        {
            throw new ArgumentOutOfRangeException(nameof(x), $"pixel ({x}, {y}) outside a {Width}x{Height} image");
        }

        return ((y * Width) + x) * Channels;
    }

    private static int CheckedLength(int width, int height)
    {
        if (width <= 0 || height <= 0 || (long)width * height * Channels > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}x{height} is not valid");
        }

        return width * height * Channels;
    }
}
