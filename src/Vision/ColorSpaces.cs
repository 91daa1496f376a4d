namespace SsdLite.Vision;

/// <summary>
/// OpenCV's float RGB &lt;-&gt; HSV conversions (cv::cvtColor with COLOR_RGB2HSV / COLOR_HSV2RGB on CV_32F), with
/// H in [0, 360), S in [0, 1] and V on the input's scale. The formulas are those of OpenCV's vector code, which
/// converts all but a short tail of each image; on x86-64 with AVX2 OpenCV runs it with fused multiply-adds, and
/// so does this code (MathF.FusedMultiplyAdd is exact on every machine), which makes the results bit-identical
/// to OpenCV's there (an SSE-only OpenCV differs in the last bit of H). Every loop works in place: a pixel is
/// read whole before it is written.
/// </summary>
internal static unsafe class ColorSpaces
{
    private const float FltEpsilon = 1.1920929e-07f;

    // OpenCV's hrange * (1 / 360) and 6 / hrange for the float hue range of 360.
    private static readonly float HsvHueScale = 360f * (1f / 360f);
    private static readonly float RgbHueScale = 6f / 360f;

    public static void RgbToHsv(float* src, float* dst, long pixels)
    {
        float hueScale = HsvHueScale;
        for (long i = 0; i < pixels; i++, src += 3, dst += 3)
        {
            float r = src[0], g = src[1], b = src[2];
            float max = MathF.Max(MathF.Max(r, g), b);
            float min = MathF.Min(MathF.Min(r, g), b);
            float diff = max - min;
            float s = diff / (MathF.Abs(max) + FltEpsilon);
            float h, offset;
            if (r == max)
            {
                h = g - b;
                offset = g < b ? 360f : 0f;
            }
            else if (g == max)
            {
                h = b - r;
                offset = 120f;
            }
            else
            {
                h = r - g;
                offset = 240f;
            }

            float step = 60f / (diff + FltEpsilon);
            dst[0] = MathF.FusedMultiplyAdd(h, step, offset) * hueScale;
            dst[1] = s;
            dst[2] = max;
        }
    }

    public static void HsvToRgb(float* src, float* dst, long pixels)
    {
        float hueScale = RgbHueScale;
        for (long i = 0; i < pixels; i++, src += 3, dst += 3)
        {
            float h = src[0], s = src[1], v = src[2];
            float r, g, b;
            if (s == 0)
            {
                r = g = b = v;
            }
            else
            {
                // Hue in sixths of the circle; out of range wraps as fmod does, and what is still out (negative)
                // becomes red, as in OpenCV.
                h *= hueScale;
                h %= 6f;
                int sector = (int)MathF.Floor(h);
                h -= sector;
                if ((uint)sector >= 6u)
                {
                    sector = 0;
                    h = 0f;
                }

                float t0 = v;
                float t1 = v * (1f - s);
                float t2 = v * MathF.FusedMultiplyAdd(-s, h, 1f);
                float t3 = v * MathF.FusedMultiplyAdd(-s, 1f - h, 1f);
                switch (sector)
                {
                    case 0: r = t0; g = t3; b = t1; break;
                    case 1: r = t2; g = t0; b = t1; break;
                    case 2: r = t1; g = t0; b = t3; break;
                    case 3: r = t1; g = t2; b = t0; break;
                    case 4: r = t3; g = t1; b = t0; break;
                    default: r = t0; g = t1; b = t2; break;
                }
            }

            dst[0] = r;
            dst[1] = g;
            dst[2] = b;
        }
    }

    public static void SwapRedBlue(float* src, float* dst, long pixels)
    {
        for (long i = 0; i < pixels; i++, src += 3, dst += 3)
        {
            float r = src[0], g = src[1], b = src[2];
            dst[0] = b;
            dst[1] = g;
            dst[2] = r;
        }
    }
}
