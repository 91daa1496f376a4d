using System.Runtime.InteropServices;

namespace SsdLite.Vision;

/// <summary>
/// An 8-bit RGB image stored as SkiaSharp's RGBA8888, row by row with no padding, alpha always 255: pixel (x, y)
/// is the bytes R, G, B, A at <c>(y * Width + x) * 4</c> of <see cref="Pixels"/>. SkiaSharp decodes, encodes and
/// draws on this buffer in place. Decoded as OpenCV's imread does (EXIF orientation applied, alpha dropped), but in
/// RGB order.
/// </summary>
public sealed class Image
{
    /// <summary>Bytes per pixel in <see cref="Pixels"/> and <see cref="Row"/>: R, G, B and an opaque alpha.</summary>
    public const int BytesPerPixel = 4;

    private readonly byte[] _pixels;

    /// <summary>A black image.</summary>
    public Image(int width, int height)
        : this(width, height, GC.AllocateUninitializedArray<byte>(CheckedLength(width, height)))
    {
        Fill(new Rgb(0, 0, 0));
    }

    private Image(int width, int height, byte[] pixels)
    {
        Width = width;
        Height = height;
        _pixels = pixels;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Bytes per row of <see cref="Pixels"/>.</summary>
    public int Stride => Width * BytesPerPixel;

    /// <summary>
    /// The pixels, row by row, <see cref="BytesPerPixel"/> bytes each (R, G, B, A). Writers keep A at 255: drawing
    /// and encoding take the image as opaque.
    /// </summary>
    public Span<byte> Pixels => _pixels;

    /// <summary>Drawing on this image's pixels.</summary>
    public PixelCanvas Canvas => new(_pixels, Width, Height, BytesPerPixel);

    /// <summary>The bytes of row <paramref name="y"/>.</summary>
    public Span<byte> Row(int y)
    {
        if ((uint)y >= (uint)Height)
        {
            throw new ArgumentOutOfRangeException(nameof(y), $"row {y} outside a {Width}x{Height} image");
        }

        return _pixels.AsSpan(y * Stride, Stride);
    }

    /// <summary>The pixel at column <paramref name="x"/>, row <paramref name="y"/>.</summary>
    public Rgb this[int x, int y]
    {
        get
        {
            int i = Index(x, y);
            return new Rgb(_pixels[i], _pixels[i + 1], _pixels[i + 2]);
        }

        set
        {
            int i = Index(x, y);
            _pixels[i] = value.R;
            _pixels[i + 1] = value.G;
            _pixels[i + 2] = value.B;
        }
    }

    /// <summary>An image of packed RGB bytes (width * height * 3, row by row), copied.</summary>
    public static Image FromRgb(int width, int height, ReadOnlySpan<byte> rgb)
    {
        var image = new Image(width, height);
        if (rgb.Length != (long)width * height * 3)
        {
            throw new ArgumentException($"{rgb.Length} bytes do not hold a {width}x{height} RGB image", nameof(rgb));
        }

        PixelLayout.RgbToPixels(rgb, image._pixels);
        return image;
    }

    /// <summary>The pixels as packed RGB bytes (width * height * 3, row by row), copied into <paramref name="rgb"/>.</summary>
    public void CopyRgbTo(Span<byte> rgb)
    {
        if (rgb.Length != (long)Width * Height * 3)
        {
            throw new ArgumentException($"{rgb.Length} bytes do not hold a {Width}x{Height} RGB image", nameof(rgb));
        }

        PixelLayout.PixelsToRgb(_pixels, rgb);
    }

    /// <summary>The pixels as a new array of packed RGB bytes (width * height * 3, row by row).</summary>
    public byte[] ToRgb()
    {
        var rgb = new byte[Width * Height * 3];
        CopyRgbTo(rgb);
        return rgb;
    }

    /// <summary>A copy with its own pixel buffer.</summary>
    public Image Clone() => new(Width, Height, (byte[])_pixels.Clone());

    /// <summary>Sets every pixel to <paramref name="color"/>.</summary>
    public void Fill(Rgb color)
    {
        Span<byte> pixel = [color.R, color.G, color.B, 255];
        MemoryMarshal.Cast<byte, uint>(_pixels.AsSpan()).Fill(MemoryMarshal.Read<uint>(pixel));
    }

    /// <summary>A resized copy (as cv::resize with INTER_LINEAR, bit for bit on uint8: the detector's input transform).</summary>
    public Image Resize(int width, int height)
    {
        var result = new Image(width, height);
        ImageOps.Resize(_pixels, Width, Height, BytesPerPixel, result._pixels, width, height, BytesPerPixel, 3);
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

    /// <summary>An image whose pixels are not set, for a writer that sets them all.</summary>
    internal static Image Uninitialized(int width, int height) =>
        new(width, height, GC.AllocateUninitializedArray<byte>(CheckedLength(width, height)));

    private int Index(int x, int y)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
        {
            throw new ArgumentOutOfRangeException(nameof(x), $"pixel ({x}, {y}) outside a {Width}x{Height} image");
        }

        return ((y * Width) + x) * BytesPerPixel;
    }

    private static int CheckedLength(int width, int height)
    {
        if (width <= 0 || height <= 0 || (long)width * height * BytesPerPixel > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}x{height} is not valid");
        }

        return width * height * BytesPerPixel;
    }
}
