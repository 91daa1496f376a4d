using System.Runtime.InteropServices;
using SkiaSharp;

namespace SsdLite.Vision;

/// <summary>Moves pixels between packed 3-byte RGB, SkiaSharp's decoded RGBA and the RGBA of <see cref="Image"/>.</summary>
internal static unsafe class PixelLayout
{
    /// <summary>Set in a pixel read as a native-order uint, the alpha byte (the fourth) becomes 255.</summary>
    private static readonly uint OpaqueBits = MemoryMarshal.Read<uint>([0, 0, 0, 255]);

    /// <summary>Packed RGB into an <see cref="Image"/>'s RGBA, alpha 255; the lengths are the caller's to check.</summary>
    public static void RgbToPixels(ReadOnlySpan<byte> rgb, Span<byte> pixels)
    {
        int count = rgb.Length / 3;
        fixed (byte* s0 = rgb)
        fixed (byte* d0 = pixels)
        {
            byte* s = s0, d = d0;
            for (int i = 0; i < count; i++, s += 3, d += 4)
            {
                d[0] = s[0];
                d[1] = s[1];
                d[2] = s[2];
                d[3] = 255;
            }
        }
    }

    /// <summary>An <see cref="Image"/>'s RGBA into packed RGB; the lengths are the caller's to check.</summary>
    public static void PixelsToRgb(ReadOnlySpan<byte> pixels, Span<byte> rgb)
    {
        int count = rgb.Length / 3;
        fixed (byte* s0 = pixels)
        fixed (byte* d0 = rgb)
        {
            byte* s = s0, d = d0;
            for (int i = 0; i < count; i++, s += 4, d += 3)
            {
                d[0] = s[0];
                d[1] = s[1];
                d[2] = s[2];
            }
        }
    }

    /// <summary>Sets every alpha byte of RGBA pixels to 255: imread drops alpha and keeps the stored colours.</summary>
    public static void MakeOpaque(Span<byte> rgba)
    {
        foreach (ref uint pixel in MemoryMarshal.Cast<byte, uint>(rgba))
        {
            pixel |= OpaqueBits;
        }
    }

    /// <summary>
    /// A decoded RGBA picture, stored <paramref name="width"/> x <paramref name="height"/>, as the image its EXIF
    /// origin says to display: flipped, or transposed (sides exchanged) and then flipped, as cv::imread does. The
    /// alpha is made opaque.
    /// </summary>
    public static Image Orient(ReadOnlySpan<byte> rgba, int width, int height, SKEncodedOrigin origin)
    {
        bool transpose = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom
            or SKEncodedOrigin.LeftBottom;
        int outWidth = transpose ? height : width, outHeight = transpose ? width : height;
        var image = Image.Uninitialized(outWidth, outHeight);

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

        uint opaque = OpaqueBits;
        fixed (byte* s0 = rgba)
        fixed (byte* d0 = image.Pixels)
        {
            uint* s = (uint*)s0, d = (uint*)d0;
            for (int y = 0; y < outHeight; y++)
            {
                long p = origin0 + (y * perRow);
                for (int x = 0; x < outWidth; x++, p += perColumn, d++)
                {
                    *d = s[p] | opaque;
                }
            }
        }

        return image;
    }
}
