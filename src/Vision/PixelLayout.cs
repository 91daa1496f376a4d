using SkiaSharp;

namespace SsdLite.Vision;

/// <summary>Moves pixels between SkiaSharp's 4-byte RGBA rows and the packed 3-byte RGB of <see cref="Image"/>.</summary>
internal static unsafe class PixelLayout
{
    /// <summary>Packed RGB into an <see cref="Image"/>'s pixel layout; the lengths are the caller's to check.</summary>
    public static void RgbToPixels(ReadOnlySpan<byte> rgb, Span<byte> pixels) => rgb.CopyTo(pixels);

    /// <summary>An <see cref="Image"/>'s pixels into packed RGB; the lengths are the caller's to check.</summary>
    public static void PixelsToRgb(ReadOnlySpan<byte> pixels, Span<byte> rgb) => pixels.CopyTo(rgb);

    /// <summary>RGB to RGBA with opaque alpha.</summary>
    public static void RgbToRgba(ReadOnlySpan<byte> rgb, Span<byte> rgba)
    {
        int pixels = rgb.Length / 3;
        if (rgba.Length < pixels * 4)
        {
            throw new ArgumentException($"{rgba.Length} bytes cannot hold {pixels} RGBA pixels", nameof(rgba));
        }

        fixed (byte* s0 = rgb)
        fixed (byte* d0 = rgba)
        {
            byte* s = s0, d = d0;
            for (int i = 0; i < pixels; i++, s += 3, d += 4)
            {
                d[0] = s[0];
                d[1] = s[1];
                d[2] = s[2];
                d[3] = 255;
            }
        }
    }

    /// <summary>
    /// A decoded RGBA picture, stored <paramref name="width"/> x <paramref name="height"/>, as the RGB image its EXIF
    /// origin says to display: flipped, or transposed (sides exchanged) and then flipped, as cv::imread does.
    /// </summary>
    public static Image Orient(ReadOnlySpan<byte> rgba, int width, int height, SKEncodedOrigin origin)
    {
        bool transpose = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom
            or SKEncodedOrigin.LeftBottom;
        int outWidth = transpose ? height : width, outHeight = transpose ? width : height;
        var image = new Image(outWidth, outHeight);

        // Where output pixel (0, 0) comes from, and how far the source moves per output column and per output row.
        // Each case is the displayed picture read back into the stored one (x', y' output; x, y stored).
        long w = width, h = height;
        (long origin0, long perColumn, long perRow) = origin switch
        {
            SKEncodedOrigin.TopRight => (w - 1, -1L, w),                    // x = w-1-x', y = y'
            SKEncodedOrigin.BottomRight => (((h - 1) * w) + w - 1, -1L, -w), // x = w-1-x', y = h-1-y'
            SKEncodedOrigin.BottomLeft => ((h - 1) * w, 1L, -w),            // x = x', y = h-1-y'
            SKEncodedOrigin.LeftTop => (0L, w, 1L),                         // x = y', y = x'
            SKEncodedOrigin.RightTop => ((h - 1) * w, -w, 1L),              // x = y', y = h-1-x'
            SKEncodedOrigin.RightBottom => (((h - 1) * w) + w - 1, -w, -1L), // x = w-1-y', y = h-1-x'
            SKEncodedOrigin.LeftBottom => (w - 1, w, -1L),                  // x = w-1-y', y = x'
            _ => (0L, 1L, w),
        };

        fixed (byte* s0 = rgba)
        fixed (byte* d0 = image.Pixels)
        {
            byte* d = d0;
            for (int y = 0; y < outHeight; y++)
            {
                long p = origin0 + (y * perRow);
                if (perColumn == 1)
                {
                    byte* s = s0 + (p * 4);
                    for (int x = 0; x < outWidth; x++, s += 4, d += 3)
                    {
                        d[0] = s[0];
                        d[1] = s[1];
                        d[2] = s[2];
                    }
                }
                else
                {
                    for (int x = 0; x < outWidth; x++, p += perColumn, d += 3)
                    {
                        byte* s = s0 + (p * 4);
                        d[0] = s[0];
                        d[1] = s[1];
                        d[2] = s[2];
                    }
                }
            }
        }

        return image;
    }
}
