using System.Runtime.InteropServices;
using SkiaSharp;

namespace SsdLite.Vision;

/// <summary>
/// Drawing in place on a packed uint8 buffer of 1 or 3 channels (an <see cref="Image"/>'s pixels, or a
/// single-channel mask), through SkiaSharp. On a 1-channel buffer a colour's R component is the value drawn.
/// Coordinates are pixels (a pixel's centre at +0.5), thickness &lt; 0 fills; <c>antiAlias</c> blends the edges,
/// otherwise every pixel touched gets the colour exactly. Text is drawn with <see cref="PixelFont.Default"/> (the
/// embedded DejaVu Sans unless SSDLITE_FONT names another); a canvas given no font leaves text out and still draws shapes.
/// </summary>
public readonly unsafe ref struct PixelCanvas
{
    private readonly Span<byte> _pixels;

    /// <summary>
    /// A canvas over <paramref name="pixels"/> (HWC, <paramref name="channels"/> per pixel), drawn in place.
    /// </summary>
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
        Font = PixelFont.Default;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Channels per pixel.</summary>
    public int Channels { get; }

    /// <summary>The font of <see cref="Text"/> and <see cref="Label"/>: <see cref="PixelFont.Default"/> unless set; null draws no text.</summary>
    public PixelFont? Font { get; init; }

    /// <summary>Draws a line of <paramref name="thickness"/> pixels, optionally anti-aliased.</summary>
    public void Line(int x1, int y1, int x2, int y2, Rgb color, int thickness = 1, bool antiAlias = false)
    {
        CheckThickness(thickness);
        float pad = thickness + 1;
        using var region = Begin(Math.Min(x1, x2) - pad, Math.Min(y1, y2) - pad, Math.Max(x1, x2) + pad, Math.Max(y1, y2) + pad);
        if (region is null)
        {
            return;
        }

        // A 1-pixel line keeps square ends so that both end pixels are drawn; thicker ones get round ends as OpenCV's.
        using var paint = Paint(color, antiAlias, SKPaintStyle.Stroke, thickness);
        paint.StrokeCap = thickness == 1 ? SKStrokeCap.Square : SKStrokeCap.Round;
        region.Canvas.DrawLine(x1 + 0.5f, y1 + 0.5f, x2 + 0.5f, y2 + 0.5f, paint);
        End(region);
    }

    /// <summary>
    /// The rectangle with corners (x1, y1) and (x2, y2), both inclusive. An outline of thickness t covers the
    /// corner pixels' rows and columns and extends (t - 1) / 2 pixels outwards, the rest inwards.
    /// </summary>
    public void Rectangle(int x1, int y1, int x2, int y2, Rgb color, int thickness = 1, bool antiAlias = false)
    {
        CheckThickness(thickness, fillAllowed: true);
        int left = Math.Min(x1, x2), right = Math.Max(x1, x2), top = Math.Min(y1, y2), bottom = Math.Max(y1, y2);
        int grow = thickness < 0 ? 0 : (thickness - 1) / 2;
        var outer = new SKRect(left - grow, top - grow, right + grow + 1, bottom + grow + 1);
        using var region = Begin(outer.Left - 1, outer.Top - 1, outer.Right + 1, outer.Bottom + 1);
        if (region is null)
        {
            return;
        }

        if (thickness < 0 || 2 * thickness >= Math.Min(outer.Width, outer.Height))
        {
            // Filled, or an outline with no hole left.
            using var fill = Paint(color, antiAlias, SKPaintStyle.Fill, 0);
            region.Canvas.DrawRect(outer, fill);
        }
        else
        {
            // The stroke runs half its width inside the outer edge, which thus lies on pixel boundaries.
            float half = thickness / 2f;
            using var paint = Paint(color, antiAlias, SKPaintStyle.Stroke, thickness);
            paint.StrokeJoin = SKStrokeJoin.Miter;
            region.Canvas.DrawRect(new SKRect(outer.Left + half, outer.Top + half, outer.Right - half, outer.Bottom - half), paint);
        }

        End(region);
    }

    /// <summary>A circle; filled, it covers the pixels whose centres lie within radius + 0.5 of the centre pixel's.</summary>
    public void Circle(int cx, int cy, int radius, Rgb color, int thickness = -1, bool antiAlias = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(radius);
        CheckThickness(thickness, fillAllowed: true);
        float reach = radius + Math.Abs(thickness) + 2;
        using var region = Begin(cx - reach, cy - reach, cx + reach + 1, cy + reach + 1);
        if (region is null)
        {
            return;
        }

        using var paint = thickness < 0 ? Paint(color, antiAlias, SKPaintStyle.Fill, 0) : Paint(color, antiAlias, SKPaintStyle.Stroke, thickness);
        region.Canvas.DrawCircle(cx + 0.5f, cy + 0.5f, thickness < 0 ? radius + 0.5f : radius, paint);
        End(region);
    }

    /// <summary>An ellipse with half-axes (axisX, axisY) rotated by <paramref name="angleDegrees"/> (clockwise on screen, as OpenCV's).</summary>
    public void Ellipse(int cx, int cy, int axisX, int axisY, double angleDegrees, Rgb color, int thickness = -1, bool antiAlias = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(axisX);
        ArgumentOutOfRangeException.ThrowIfNegative(axisY);
        CheckThickness(thickness, fillAllowed: true);
        float reach = Math.Max(axisX, axisY) + Math.Abs(thickness) + 2;
        using var region = Begin(cx - reach, cy - reach, cx + reach + 1, cy + reach + 1);
        if (region is null)
        {
            return;
        }

        float grow = thickness < 0 ? 0.5f : 0f;
        using var paint = thickness < 0 ? Paint(color, antiAlias, SKPaintStyle.Fill, 0) : Paint(color, antiAlias, SKPaintStyle.Stroke, thickness);
        var canvas = region.Canvas;
        canvas.Save();
        canvas.Translate(cx + 0.5f, cy + 0.5f);
        canvas.RotateDegrees((float)angleDegrees);
        canvas.DrawOval(0, 0, axisX + grow, axisY + grow, paint);
        canvas.Restore();
        End(region);
    }

    /// <summary>A closed polygon; <paramref name="xy"/> holds (x, y) pairs. Filled when thickness &lt; 0, its edge pixels included.</summary>
    public void Polygon(ReadOnlySpan<int> xy, Rgb color, int thickness = -1, bool antiAlias = false)
    {
        if (xy.Length < 6 || xy.Length % 2 != 0)
        {
            throw new ArgumentException($"a polygon needs at least 3 (x, y) pairs, got {xy.Length} values", nameof(xy));
        }

        CheckThickness(thickness, fillAllowed: true);
        int minX = int.MaxValue, minY = int.MaxValue, maxX = int.MinValue, maxY = int.MinValue;
        using var path = new SKPath { FillType = SKPathFillType.EvenOdd };
        for (int i = 0; i < xy.Length; i += 2)
        {
            int x = xy[i], y = xy[i + 1];
            minX = Math.Min(minX, x);
            maxX = Math.Max(maxX, x);
            minY = Math.Min(minY, y);
            maxY = Math.Max(maxY, y);
            if (i == 0)
            {
                path.MoveTo(x + 0.5f, y + 0.5f);
            }
            else
            {
                path.LineTo(x + 0.5f, y + 0.5f);
            }
        }

        path.Close();
        float pad = Math.Abs(thickness) + 2;
        using var region = Begin(minX - pad, minY - pad, maxX + pad + 1, maxY + pad + 1);
        if (region is null)
        {
            return;
        }

        if (thickness < 0)
        {
            using var fill = Paint(color, antiAlias, SKPaintStyle.Fill, 0);
            region.Canvas.DrawPath(path, fill);
            if (!antiAlias)
            {
                // Filling covers the pixels whose centres are inside; OpenCV's fill also takes those its edges cross.
                using var edge = Paint(color, false, SKPaintStyle.Stroke, 1);
                edge.StrokeJoin = SKStrokeJoin.Round;
                edge.StrokeCap = SKStrokeCap.Round;
                region.Canvas.DrawPath(path, edge);
            }
        }
        else
        {
            using var paint = Paint(color, antiAlias, SKPaintStyle.Stroke, thickness);
            paint.StrokeJoin = SKStrokeJoin.Round;
            region.Canvas.DrawPath(path, paint);
        }

        End(region);
    }

    /// <summary>
    /// Text whose baseline starts at (x, y), sized so that capitals are as tall as OpenCV's Hershey simplex font at
    /// <paramref name="scale"/> (about 21 * scale pixels). Draws nothing without a <see cref="Font"/>.
    /// </summary>
    public void Text(string text, int x, int y, Rgb color, double scale = 0.5, int thickness = 1, bool antiAlias = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        CheckThickness(thickness);
        if (Font is not { } face || text.Length == 0)
        {
            return;
        }

        using var font = MakeFont(face, scale, antiAlias);
        using var paint = Paint(color, antiAlias, thickness > 1 ? SKPaintStyle.StrokeAndFill : SKPaintStyle.Fill, thickness - 1);
        font.MeasureText(text, out var bounds, paint);
        float pad = thickness + 2;
        using var region = Begin(x + bounds.Left - pad, y + bounds.Top - pad, x + bounds.Right + pad, y + bounds.Bottom + pad);
        if (region is null)
        {
            return;
        }

        region.Canvas.DrawText(text, x, y, font, paint);
        End(region);
    }

    /// <summary>
    /// The size of <paramref name="text"/> drawn by <see cref="Text"/> with <see cref="PixelFont.Default"/>: width,
    /// height above the baseline (capitals), and the depth below it. All zero without a font.
    /// </summary>
    public static (int Width, int Height, int Baseline) TextSize(string text, double scale = 0.5, int thickness = 1) =>
        Measure(PixelFont.Default, text, scale, thickness);

    /// <summary>As <see cref="TextSize"/>, with this canvas's <see cref="Font"/>.</summary>
    public (int Width, int Height, int Baseline) MeasureText(string text, double scale = 0.5, int thickness = 1) =>
        Measure(Font, text, scale, thickness);

    /// <summary>
    /// Text on a filled background box whose bottom-left corner is (x, y), moved inside the image where it would
    /// leave it. Draws nothing without a <see cref="Font"/> (a box with no text would say nothing).
    /// </summary>
    public void Label(string text, int x, int y, Rgb background, double scale = 0.5, int thickness = 1)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Font is null || text.Length == 0)
        {
            return;
        }

        var (w, h, baseline) = MeasureText(text, scale, thickness);
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

    private static (int Width, int Height, int Baseline) Measure(PixelFont? face, string text, double scale, int thickness)
    {
        ArgumentNullException.ThrowIfNull(text);
        CheckThickness(thickness);
        if (face is null)
        {
            return (0, 0, 0);
        }

        using var font = MakeFont(face, scale, antiAlias: true);
        float width = text.Length == 0 ? 0 : font.MeasureText(text);
        var metrics = font.Metrics;
        float stroke = (thickness - 1) * 0.5f;
        float cap = Math.Abs(metrics.CapHeight) > 0 ? Math.Abs(metrics.CapHeight) : face.CapHeightPerPixel * font.Size;
        return ((int)MathF.Ceiling(width + (2 * stroke)), (int)MathF.Ceiling(cap + stroke), (int)MathF.Ceiling(Math.Abs(metrics.Descent) + stroke));
    }

    private static SKFont MakeFont(PixelFont face, double scale, bool antiAlias)
    {
        if (!(scale > 0) || double.IsInfinity(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), $"text scale must be positive, got {scale}");
        }

        return new SKFont(face.Typeface, face.SizeFor(scale), 1f, 0f)
        {
            Edging = antiAlias ? SKFontEdging.Antialias : SKFontEdging.Alias,
            Subpixel = true,
        };
    }

    private static SKPaint Paint(Rgb color, bool antiAlias, SKPaintStyle style, int strokeWidth) => new()
    {
        Color = new SKColor(color.R, color.G, color.B, 255),
        IsAntialias = antiAlias,
        Style = style,
        StrokeWidth = Math.Max(0, strokeWidth),
    };

    private static void CheckThickness(int thickness, bool fillAllowed = false)
    {
        if (thickness == 0 || (thickness < 0 && !fillAllowed) || thickness > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(thickness), $"thickness must be in 1..1024{(fillAllowed ? " or negative (filled)" : "")}, got {thickness}");
        }
    }

    /// <summary>
    /// An RGBA copy of the part of the buffer a shape may touch (its bounds, clipped to the image), with a canvas
    /// on it whose coordinates are the image's; null when nothing of the shape falls inside the image.
    /// </summary>
    private Region? Begin(float left, float top, float right, float bottom)
    {
        if (!(left < right && top < bottom))
        {
            return null;
        }

        int x0 = (int)Math.Max(0, Math.Floor(left)), y0 = (int)Math.Max(0, Math.Floor(top));
        int x1 = (int)Math.Min(Width, Math.Ceiling(right)), y1 = (int)Math.Min(Height, Math.Ceiling(bottom));
        if (x0 >= x1 || y0 >= y1)
        {
            return null;
        }

        var region = new Region(x0, y0, x1 - x0, y1 - y0);
        byte* rgba = region.Pixels;
        for (int y = 0; y < region.Height; y++)
        {
            int src = (((y0 + y) * Width) + x0) * Channels;
            byte* d = rgba + ((long)y * region.Width * 4);
            if (Channels == 3)
            {
                for (int x = 0; x < region.Width; x++, src += 3, d += 4)
                {
                    d[0] = _pixels[src];
                    d[1] = _pixels[src + 1];
                    d[2] = _pixels[src + 2];
                    d[3] = 255;
                }
            }
            else
            {
                for (int x = 0; x < region.Width; x++, src++, d += 4)
                {
                    byte v = _pixels[src];
                    d[0] = v;
                    d[1] = v;
                    d[2] = v;
                    d[3] = 255;
                }
            }
        }

        region.Canvas.Translate(-x0, -y0);
        return region;
    }

    /// <summary>Copies the drawn region back into the buffer (the R channel into a 1-channel one).</summary>
    private void End(Region region)
    {
        region.Canvas.Flush();
        byte* rgba = region.Pixels;
        for (int y = 0; y < region.Height; y++)
        {
            int dst = (((region.Y + y) * Width) + region.X) * Channels;
            byte* s = rgba + ((long)y * region.Width * 4);
            if (Channels == 3)
            {
                for (int x = 0; x < region.Width; x++, dst += 3, s += 4)
                {
                    _pixels[dst] = s[0];
                    _pixels[dst + 1] = s[1];
                    _pixels[dst + 2] = s[2];
                }
            }
            else
            {
                for (int x = 0; x < region.Width; x++, dst++, s += 4)
                {
                    _pixels[dst] = s[0];
                }
            }
        }
    }

    /// <summary>Unmanaged RGBA scratch pixels with a bitmap and canvas over them.</summary>
    private sealed class Region : IDisposable
    {
        private readonly SKBitmap _bitmap;

        public Region(int x, int y, int width, int height)
        {
            X = x;
            Y = y;
            Width = width;
            Height = height;
            nuint bytes = (nuint)width * (nuint)height * 4;
            Pixels = (byte*)NativeMemory.Alloc(bytes);
            _bitmap = new SKBitmap();

            // No colour space: Skia then blends the stored values as they are, as OpenCV does.
            var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
            if (!_bitmap.InstallPixels(info, (nint)Pixels, width * 4))
            {
                _bitmap.Dispose();
                NativeMemory.Free(Pixels);
                throw new InvalidOperationException($"SkiaSharp refused a {width}x{height} drawing surface");
            }

            Canvas = new SKCanvas(_bitmap);
        }

        public int X { get; }

        public int Y { get; }

        public int Width { get; }

        public int Height { get; }

        public byte* Pixels { get; }

        public SKCanvas Canvas { get; }

        public void Dispose()
        {
            Canvas.Dispose();
            _bitmap.Dispose();
            NativeMemory.Free(Pixels);
        }
    }
}
