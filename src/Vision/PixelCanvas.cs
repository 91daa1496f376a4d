using System.Runtime.InteropServices;
using SkiaSharp;

namespace SsdLite.Vision;

/// <summary>
/// Drawing in place on a packed uint8 buffer through SkiaSharp: 4 bytes a pixel (an <see cref="Image"/>'s opaque
/// RGBA, which SkiaSharp draws on directly), or 1 (a single-channel mask, whose touched region SkiaSharp draws on
/// as RGBA and which takes the R component back).
/// Coordinates are pixels (a pixel's centre at +0.5), thickness &lt; 0 fills; <c>antiAlias</c> blends the edges,
/// otherwise every pixel touched gets the colour exactly. Text is drawn with <see cref="PixelFont.Default"/> (the
/// embedded DejaVu Sans unless SSDLITE_FONT names another); a canvas given no font leaves text out and still draws shapes.
/// </summary>
public readonly unsafe ref struct PixelCanvas
{
    private readonly Span<byte> _pixels;

    /// <summary>
    /// A canvas over <paramref name="pixels"/> (row by row, <paramref name="channels"/> bytes per pixel: 4 for RGBA
    /// with alpha 255, 1 for a mask), drawn in place.
    /// </summary>
    public PixelCanvas(Span<byte> pixels, int width, int height, int channels)
    {
        if (channels is not (1 or 4))
        {
            throw new ArgumentOutOfRangeException(nameof(channels), $"drawing takes 1 (a mask) or 4 (RGBA) channels, not {channels}");
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

        // A 1-pixel line keeps square ends so that both end pixels are drawn; thicker ones get round ends as OpenCV's.
        using var paint = Paint(color, antiAlias, SKPaintStyle.Stroke, thickness);
        paint.StrokeCap = thickness == 1 ? SKStrokeCap.Square : SKStrokeCap.Round;
        var ends = (new SKPoint(x1 + 0.5f, y1 + 0.5f), new SKPoint(x2 + 0.5f, y2 + 0.5f), paint);
        Draw(Math.Min(x1, x2) - pad, Math.Min(y1, y2) - pad, Math.Max(x1, x2) + pad, Math.Max(y1, y2) + pad, ends,
            static (canvas, s) => canvas.DrawLine(s.Item1, s.Item2, s.paint));
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
        SKRect rect;
        SKPaint paint;
        if (thickness < 0 || 2 * thickness >= Math.Min(outer.Width, outer.Height))
        {
            // Filled, or an outline with no hole left.
            rect = outer;
            paint = Paint(color, antiAlias, SKPaintStyle.Fill, 0);
        }
        else
        {
            // The stroke runs half its width inside the outer edge, which thus lies on pixel boundaries.
            float half = thickness / 2f;
            rect = new SKRect(outer.Left + half, outer.Top + half, outer.Right - half, outer.Bottom - half);
            paint = Paint(color, antiAlias, SKPaintStyle.Stroke, thickness);
            paint.StrokeJoin = SKStrokeJoin.Miter;
        }

        using (paint)
        {
            Draw(outer.Left - 1, outer.Top - 1, outer.Right + 1, outer.Bottom + 1, (rect, paint),
                static (canvas, s) => canvas.DrawRect(s.rect, s.paint));
        }
    }

    /// <summary>A circle; filled, it covers the pixels whose centres lie within radius + 0.5 of the centre pixel's.</summary>
    public void Circle(int cx, int cy, int radius, Rgb color, int thickness = -1, bool antiAlias = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(radius);
        CheckThickness(thickness, fillAllowed: true);
        float reach = radius + Math.Abs(thickness) + 2;
        using var paint = thickness < 0 ? Paint(color, antiAlias, SKPaintStyle.Fill, 0) : Paint(color, antiAlias, SKPaintStyle.Stroke, thickness);
        var circle = (new SKPoint(cx + 0.5f, cy + 0.5f), thickness < 0 ? radius + 0.5f : radius, paint);
        Draw(cx - reach, cy - reach, cx + reach + 1, cy + reach + 1, circle,
            static (canvas, s) => canvas.DrawCircle(s.Item1, s.Item2, s.paint));
    }

    /// <summary>An ellipse with half-axes (axisX, axisY) rotated by <paramref name="angleDegrees"/> (clockwise on screen, as OpenCV's).</summary>
    public void Ellipse(int cx, int cy, int axisX, int axisY, double angleDegrees, Rgb color, int thickness = -1, bool antiAlias = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(axisX);
        ArgumentOutOfRangeException.ThrowIfNegative(axisY);
        CheckThickness(thickness, fillAllowed: true);
        float reach = Math.Max(axisX, axisY) + Math.Abs(thickness) + 2;
        float grow = thickness < 0 ? 0.5f : 0f;
        using var paint = thickness < 0 ? Paint(color, antiAlias, SKPaintStyle.Fill, 0) : Paint(color, antiAlias, SKPaintStyle.Stroke, thickness);
        var oval = (new SKPoint(cx + 0.5f, cy + 0.5f), (float)angleDegrees, new SKSize(axisX + grow, axisY + grow), paint);
        Draw(cx - reach, cy - reach, cx + reach + 1, cy + reach + 1, oval, static (canvas, s) =>
        {
            canvas.Save();
            canvas.Translate(s.Item1.X, s.Item1.Y);
            canvas.RotateDegrees(s.Item2);
            canvas.DrawOval(0, 0, s.Item3.Width, s.Item3.Height, s.paint);
            canvas.Restore();
        });
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
        SKPaint paint;
        SKPaint? edge = null;
        if (thickness < 0)
        {
            paint = Paint(color, antiAlias, SKPaintStyle.Fill, 0);
            if (!antiAlias)
            {
                // Filling covers the pixels whose centres are inside; OpenCV's fill also takes those its edges cross.
                edge = Paint(color, false, SKPaintStyle.Stroke, 1);
                edge.StrokeJoin = SKStrokeJoin.Round;
                edge.StrokeCap = SKStrokeCap.Round;
            }
        }
        else
        {
            paint = Paint(color, antiAlias, SKPaintStyle.Stroke, thickness);
            paint.StrokeJoin = SKStrokeJoin.Round;
        }

        using (paint)
        using (edge)
        {
            Draw(minX - pad, minY - pad, maxX + pad + 1, maxY + pad + 1, (path, paint, edge), static (canvas, s) =>
            {
                canvas.DrawPath(s.path, s.paint);
                if (s.edge is not null)
                {
                    canvas.DrawPath(s.path, s.edge);
                }
            });
        }
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
        Draw(x + bounds.Left - pad, y + bounds.Top - pad, x + bounds.Right + pad, y + bounds.Bottom + pad, (text, x, y, font, paint),
            static (canvas, s) => canvas.DrawText(s.text, s.x, s.y, s.font, s.paint));
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
    /// Runs <paramref name="draw"/> on a canvas over the part of the buffer a shape may touch (its bounds, clipped to
    /// the image), in the image's coordinates; nothing when no part of the shape falls inside the image. RGBA is
    /// drawn on where it lies; a mask's region is copied to RGBA scratch pixels and back.
    /// </summary>
    private void Draw<TState>(float left, float top, float right, float bottom, TState state, Action<SKCanvas, TState> draw)
    {
        if (!(left < right && top < bottom))
        {
            return;
        }

        int x0 = (int)Math.Max(0, Math.Floor(left)), y0 = (int)Math.Max(0, Math.Floor(top));
        int x1 = (int)Math.Min(Width, Math.Ceiling(right)), y1 = (int)Math.Min(Height, Math.Ceiling(bottom));
        if (x0 >= x1 || y0 >= y1)
        {
            return;
        }

        if (Channels == 4)
        {
            DrawInPlace(SKRectI.Create(x0, y0, x1 - x0, y1 - y0), state, draw);
        }
        else
        {
            DrawMask(x0, y0, x1 - x0, y1 - y0, state, draw);
        }
    }

    private void DrawInPlace<TState>(SKRectI clip, TState state, Action<SKCanvas, TState> draw)
    {
        fixed (byte* pixels = _pixels)
        {
            using var bitmap = Install(pixels, Width, Height);
            using var canvas = new SKCanvas(bitmap);

            // Only the shape's bounds, as drawing on a copy of that region alone would touch.
            canvas.ClipRect(clip);
            draw(canvas, state);
            canvas.Flush();
        }
    }

    private void DrawMask<TState>(int x0, int y0, int width, int height, TState state, Action<SKCanvas, TState> draw)
    {
        nuint bytes = (nuint)width * (nuint)height * 4;
        byte* rgba = (byte*)NativeMemory.Alloc(bytes);
        try
        {
            MaskToRgba(rgba, x0, y0, width, height);
            using (var bitmap = Install(rgba, width, height))
            using (var canvas = new SKCanvas(bitmap))
            {
                canvas.Translate(-x0, -y0);
                draw(canvas, state);
                canvas.Flush();
            }

            RgbaToMask(rgba, x0, y0, width, height);
        }
        finally
        {
            NativeMemory.Free(rgba);
        }
    }

    /// <summary>A bitmap over opaque RGBA pixels that stay where they are.</summary>
    private static SKBitmap Install(byte* pixels, int width, int height)
    {
        // No colour space: Skia then blends the stored values as they are, as OpenCV does. The alpha bytes are all
        // 255, so premultiplied and not are the same pixels.
        var bitmap = new SKBitmap();
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        if (!bitmap.InstallPixels(info, (nint)pixels, width * 4))
        {
            bitmap.Dispose();
            throw new InvalidOperationException($"SkiaSharp refused a {width}x{height} drawing surface");
        }

        return bitmap;
    }

    /// <summary>The mask's region as grey RGBA.</summary>
    private void MaskToRgba(byte* rgba, int x0, int y0, int width, int height)
    {
        for (int y = 0; y < height; y++)
        {
            int src = ((y0 + y) * Width) + x0;
            byte* d = rgba + ((long)y * width * 4);
            for (int x = 0; x < width; x++, src++, d += 4)
            {
                byte v = _pixels[src];
                d[0] = v;
                d[1] = v;
                d[2] = v;
                d[3] = 255;
            }
        }
    }

    /// <summary>The drawn region's R channel back into the mask.</summary>
    private void RgbaToMask(byte* rgba, int x0, int y0, int width, int height)
    {
        for (int y = 0; y < height; y++)
        {
            int dst = ((y0 + y) * Width) + x0;
            byte* s = rgba + ((long)y * width * 4);
            for (int x = 0; x < width; x++, dst++, s += 4)
            {
                _pixels[dst] = s[0];
            }
        }
    }
}
