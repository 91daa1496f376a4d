namespace SsdLite.Vision;

/// <summary>(x - mean) / std from an interleaved HWC image into a planar CHW float buffer, the network's input layout.</summary>
public static class Normalize
{
    /// <summary>The reference's mean: (x - 127) / 128.</summary>
    public const float DefaultMean = 127f;
    /// <summary>The reference's divisor: (x - 127) / 128.</summary>
    public const float DefaultStd = 128f;

    /// <summary>Normalizes a float HWC image into <paramref name="chw"/> (3 * width * height); mirrors left-right when asked.</summary>
    public static void ToChw(ReadOnlySpan<float> hwc, int width, int height, Span<float> chw,
        float mean = DefaultMean, float std = DefaultStd, bool mirror = false)
    {
        int plane = Check(hwc.Length, width, height, chw.Length);
        float scale = 1f / std;
        var r = chw[..plane];
        var g = chw.Slice(plane, plane);
        var b = chw.Slice(2 * plane, plane);
        for (int y = 0; y < height; y++)
        {
            var row = hwc.Slice(y * width * 3, width * 3);
            int o = y * width;
            for (int x = 0; x < width; x++)
            {
                int s = (mirror ? width - 1 - x : x) * 3;
                r[o + x] = (row[s] - mean) * scale;
                g[o + x] = (row[s + 1] - mean) * scale;
                b[o + x] = (row[s + 2] - mean) * scale;
            }
        }
    }

    /// <summary>Normalizes a uint8 HWC image into <paramref name="chw"/> (3 * width * height).</summary>
    public static void ToChw(ReadOnlySpan<byte> hwc, int width, int height, Span<float> chw,
        float mean = DefaultMean, float std = DefaultStd)
    {
        int plane = Check(hwc.Length, width, height, chw.Length);
        float scale = 1f / std;
        Span<float> lut = stackalloc float[256];
        for (int v = 0; v < 256; v++)
        {
            lut[v] = (v - mean) * scale;
        }

        var r = chw[..plane];
        var g = chw.Slice(plane, plane);
        var b = chw.Slice(2 * plane, plane);
        for (int i = 0, s = 0; i < plane; i++, s += 3)
        {
            r[i] = lut[hwc[s]];
            g[i] = lut[hwc[s + 1]];
            b[i] = lut[hwc[s + 2]];
        }
    }

    private static int Check(int length, int width, int height, int destination)
    {
        int plane = width * height;
        if (length != plane * 3)
        {
            throw new ArgumentException($"{length} values do not hold a {width}x{height}x3 image", nameof(length));
        }

        if (destination != plane * 3)
        {
            throw new ArgumentException($"destination of {destination} values, need 3x{height}x{width} = {plane * 3}", nameof(destination));
        }

        return plane;
    }
}
