using System.Runtime.Intrinsics;

namespace SsdLite.Vision;

/// <summary>
/// cv::resize for packed uint8 and float32 images, in managed code and bit for bit as OpenCV 4.x computes it
/// on x86-64: the detector's reference resized its inputs with cv2.resize, and the oracle parity tests compare
/// against that. (OpenCV builds with IPP use it for float images only; those results may differ in the last bit.)
/// </summary>
/// <remarks>
/// INTER_LINEAR is separable. Per destination column OpenCV takes the source position
/// fx = (float)((dx + 0.5) * scale - 0.5) with scale = 1 / (dstWidth / srcWidth) in double, sx = floor(fx), and the
/// weights (1 - fx, fx), clamped to the edge pixel outside the image; rows the same, without the clamp of the
/// weights (the row index is clamped instead). For uint8 the weights are rounded to 11-bit fixed point and the
/// horizontal pass keeps exact int sums; the vertical pass combines two such rows with the rounding of OpenCV's
/// vector code, which its scalar tail repeats: ((b0 * (S0 &gt;&gt; 4)) &gt;&gt; 16) + ((b1 * (S1 &gt;&gt; 4)) &gt;&gt; 16), + 2, &gt;&gt; 2.
/// Float images use the same weights in float. An exact halving of both sides is INTER_AREA in OpenCV
/// (the mean of each 2x2 block), and an unchanged size is a copy.
/// </remarks>
internal static unsafe class Resampler
{
    private const int CoefBits = 11;
    private const int CoefScale = 1 << CoefBits;

    /// <summary>C's DBL_EPSILON (double.Epsilon is the smallest subnormal, not this).</summary>
    private const double DblEpsilon = 2.220446049250313e-16;

    /// <summary>Resizes packed uint8 pixels; <paramref name="srcStride"/> is the source row length in values.</summary>
    public static void Resize(byte* src, int srcWidth, int srcHeight, int srcStride, byte* dst, int dstWidth,
        int dstHeight, int cn) =>
        Resize(src, srcWidth, srcHeight, srcStride, cn, dst, dstWidth, dstHeight, cn, cn);

    /// <summary>
    /// Resizes the first <paramref name="cn"/> channels of uint8 pixels that lie <paramref name="srcStep"/> and
    /// <paramref name="dstStep"/> bytes apart (RGBA with its alpha skipped); destination bytes past the channels are
    /// not written. Each channel is computed on its own, so the result is that of the packed image of those channels.
    /// </summary>
    public static void Resize(byte* src, int srcWidth, int srcHeight, int srcStride, int srcStep, byte* dst,
        int dstWidth, int dstHeight, int dstStep, int cn)
    {
        if (srcWidth == dstWidth && srcHeight == dstHeight)
        {
            if (srcStep == cn && dstStep == cn)
            {
                CopyRows(src, srcStride, dst, dstWidth * cn, dstWidth * cn, dstHeight);
            }
            else
            {
                CopyPixels(src, srcStride, srcStep, dst, dstWidth, dstHeight, dstStep, cn);
            }

            return;
        }

        var plan = new Plan(srcWidth, srcHeight, dstWidth, dstHeight);
        if (plan.IsHalving)
        {
            HalveBytes(src, srcStride, srcStep, dst, dstWidth, dstHeight, dstStep, cn);
        }
        else
        {
            LinearBytes(src, srcWidth, srcHeight, srcStride, srcStep, dst, dstWidth, dstHeight, dstStep, cn, plan);
        }
    }

    /// <summary>Resizes float pixels; <paramref name="srcStride"/> is the source row length in values.</summary>
    public static void Resize(float* src, int srcWidth, int srcHeight, int srcStride, float* dst, int dstWidth,
        int dstHeight, int cn)
    {
        if (srcWidth == dstWidth && srcHeight == dstHeight)
        {
            CopyRows(src, srcStride, dst, dstWidth * cn, dstWidth * cn, dstHeight);
            return;
        }

        var plan = new Plan(srcWidth, srcHeight, dstWidth, dstHeight);
        if (plan.IsHalving)
        {
            HalveFloats(src, srcStride, dst, dstWidth, dstHeight, cn);
        }
        else
        {
            LinearFloats(src, srcWidth, srcHeight, srcStride, dst, dstWidth, dstHeight, cn, plan);
        }
    }

    /// <summary>The scale factors as cv::hal::resize derives them from the sizes.</summary>
    private readonly struct Plan
    {
        public Plan(int srcWidth, int srcHeight, int dstWidth, int dstHeight)
        {
            double invX = (double)dstWidth / srcWidth, invY = (double)dstHeight / srcHeight;
            ScaleX = 1.0 / invX;
            ScaleY = 1.0 / invY;

            // OpenCV's saturate_cast<int>(double) rounds half to even, as Math.Round does.
            double ix = Math.Round(ScaleX), iy = Math.Round(ScaleY);
            IsHalving = ix == 2 && iy == 2 && Math.Abs(ScaleX - ix) < DblEpsilon && Math.Abs(ScaleY - iy) < DblEpsilon;
        }

        public double ScaleX { get; }

        public double ScaleY { get; }

        /// <summary>Both sides exactly halved: OpenCV then averages 2x2 blocks (its INTER_AREA fast path).</summary>
        public bool IsHalving { get; }
    }

    /// <summary>
    /// Source column and weight of the right neighbour for each destination column, as OpenCV's linear tables;
    /// <paramref name="limit"/> is the first column whose position reaches the last source pixel (from there on
    /// that pixel is taken as it is). Left of the image the weight is 0 on the first pixel.
    /// </summary>
    private static void ColumnTable(int srcSize, int dstSize, double scale, int* offset, float* weight1, out int limit)
    {
        limit = dstSize;
        for (int d = 0; d < dstSize; d++)
        {
            float f = (float)(((d + 0.5) * scale) - 0.5);
            int s = (int)MathF.Floor(f);
            f -= s;
            if (s < 0)
            {
                f = 0;
                s = 0;
            }

            if (s + 1 >= srcSize)
            {
                limit = Math.Min(limit, d);
                if (s >= srcSize - 1)
                {
                    f = 0;
                    s = srcSize - 1;
                }
            }

            offset[d] = s;
            weight1[d] = f;
        }
    }

    /// <summary>
    /// Upper source row and weight of the lower one for each destination row: unlike columns, the weights are not
    /// clamped (the row indices are, when the rows are read).
    /// </summary>
    private static void RowTable(int dstSize, double scale, int* offset, float* weight1)
    {
        for (int d = 0; d < dstSize; d++)
        {
            float f = (float)(((d + 0.5) * scale) - 0.5);
            int s = (int)MathF.Floor(f);
            offset[d] = s;
            weight1[d] = f - s;
        }
    }

    // MathF.Round rounds half to even, as OpenCV's saturate_cast<short>(float) does; the two weights of a
    // column may thus sum to 2047 or 2049, and that is kept.
    private static short Fixed(float weight) => (short)MathF.Round(weight * CoefScale);

    private static int ClampRow(int y, int height) => y < 0 ? 0 : (y < height ? y : height - 1);

    private static void LinearBytes(byte* src, int srcWidth, int srcHeight, int srcStride, int srcStep, byte* dst,
        int dstWidth, int dstHeight, int dstStep, int cn, Plan plan)
    {
        int rowLength = dstWidth * cn;
        int[] ints = new int[dstWidth + dstHeight + (2 * rowLength)];
        short[] shorts = new short[2 * (dstWidth + dstHeight)];
        float[] fractions = new float[Math.Max(dstWidth, dstHeight)];

        // Pixels wider than their channels: each row is computed packed, then spread out.
        byte[] packed = dstStep == cn ? [] : new byte[rowLength];
        fixed (int* ip = ints)
        fixed (short* sp = shorts)
        fixed (float* fp = fractions)
        fixed (byte* pp = packed)
        {
            int* xofs = ip;
            int* yofs = ip + dstWidth;
            int* row0 = yofs + dstHeight;
            int* row1 = row0 + rowLength;
            short* alpha = sp;
            short* beta = sp + (2 * dstWidth);

            ColumnTable(srcWidth, dstWidth, plan.ScaleX, xofs, fp, out int xmax);
            for (int dx = 0; dx < dstWidth; dx++)
            {
                alpha[2 * dx] = Fixed(1f - fp[dx]);
                alpha[(2 * dx) + 1] = Fixed(fp[dx]);
                xofs[dx] *= srcStep;
            }

            RowTable(dstHeight, plan.ScaleY, yofs, fp);
            for (int dy = 0; dy < dstHeight; dy++)
            {
                beta[2 * dy] = Fixed(1f - fp[dy]);
                beta[(2 * dy) + 1] = Fixed(fp[dy]);
            }

            // Two horizontal rows are kept; a destination row usually shares one or both with the previous one.
            int have0 = -1, have1 = -1;
            for (int dy = 0; dy < dstHeight; dy++)
            {
                int sy0 = ClampRow(yofs[dy], srcHeight), sy1 = ClampRow(yofs[dy] + 1, srcHeight);
                if (sy0 != have0)
                {
                    if (sy0 == have1)
                    {
                        int* swap = row0;
                        row0 = row1;
                        row1 = swap;
                        (have0, have1) = (have1, have0);
                    }
                    else
                    {
                        HorizontalBytes(src + ((long)sy0 * srcStride), row0, xofs, alpha, dstWidth, cn, srcStep, xmax);
                        have0 = sy0;
                    }
                }

                if (sy1 != have1)
                {
                    if (sy1 == have0)
                    {
                        Buffer.MemoryCopy(row0, row1, rowLength * sizeof(int), rowLength * sizeof(int));
                    }
                    else
                    {
                        HorizontalBytes(src + ((long)sy1 * srcStride), row1, xofs, alpha, dstWidth, cn, srcStep, xmax);
                    }

                    have1 = sy1;
                }

                if (dstStep == cn)
                {
                    VerticalBytes(row0, row1, beta[2 * dy], beta[(2 * dy) + 1], dst + ((long)dy * rowLength), rowLength);
                }
                else
                {
                    VerticalBytes(row0, row1, beta[2 * dy], beta[(2 * dy) + 1], pp, rowLength);
                    Spread(pp, dst + ((long)dy * dstWidth * dstStep), dstWidth, cn, dstStep);
                }
            }
        }
    }

    private static void HorizontalBytes(byte* s, int* d, int* xofs, short* alpha, int dstWidth, int cn, int step, int xmax)
    {
        int dx = 0;
        if (cn == 3)
        {
            for (; dx < xmax; dx++, d += 3)
            {
                byte* p = s + xofs[dx];
                byte* q = p + step;
                int a0 = alpha[2 * dx], a1 = alpha[(2 * dx) + 1];
                d[0] = (p[0] * a0) + (q[0] * a1);
                d[1] = (p[1] * a0) + (q[1] * a1);
                d[2] = (p[2] * a0) + (q[2] * a1);
            }

            for (; dx < dstWidth; dx++, d += 3)
            {
                byte* p = s + xofs[dx];
                d[0] = p[0] * CoefScale;
                d[1] = p[1] * CoefScale;
                d[2] = p[2] * CoefScale;
            }

            return;
        }

        for (; dx < xmax; dx++, d += cn)
        {
            byte* p = s + xofs[dx];
            int a0 = alpha[2 * dx], a1 = alpha[(2 * dx) + 1];
            for (int c = 0; c < cn; c++)
            {
                d[c] = (p[c] * a0) + (p[c + step] * a1);
            }
        }

        for (; dx < dstWidth; dx++, d += cn)
        {
            byte* p = s + xofs[dx];
            for (int c = 0; c < cn; c++)
            {
                d[c] = p[c] * CoefScale;
            }
        }
    }

    /// <summary>A packed row of <paramref name="cn"/>-channel pixels into pixels <paramref name="step"/> bytes apart.</summary>
    private static void Spread(byte* packed, byte* d, int width, int cn, int step)
    {
        for (int x = 0; x < width; x++, packed += cn, d += step)
        {
            for (int c = 0; c < cn; c++)
            {
                d[c] = packed[c];
            }
        }
    }

    private static void VerticalBytes(int* s0, int* s1, int b0, int b1, byte* d, int length)
    {
        // Each product is cut to its top 16 bits before the sum, as _mm_mulhi_epi16 does in OpenCV. The values
        // stay in 0..255, so narrowing by truncation is exact.
        int x = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vb0 = Vector256.Create(b0);
            var vb1 = Vector256.Create(b1);
            var two = Vector256.Create(2);
            for (; x <= length - 32; x += 32)
            {
                var r0 = Row8(s0 + x, s1 + x, vb0, vb1, two);
                var r1 = Row8(s0 + x + 8, s1 + x + 8, vb0, vb1, two);
                var r2 = Row8(s0 + x + 16, s1 + x + 16, vb0, vb1, two);
                var r3 = Row8(s0 + x + 24, s1 + x + 24, vb0, vb1, two);
                var lo = Vector256.Narrow(r0.AsUInt32(), r1.AsUInt32());
                var hi = Vector256.Narrow(r2.AsUInt32(), r3.AsUInt32());
                Vector256.Narrow(lo, hi).Store(d + x);
            }
        }

        for (; x < length; x++)
        {
            d[x] = (byte)((((b0 * (s0[x] >> 4)) >> 16) + ((b1 * (s1[x] >> 4)) >> 16) + 2) >> 2);
        }
    }

    private static Vector256<int> Row8(int* s0, int* s1, Vector256<int> b0, Vector256<int> b1, Vector256<int> two) =>
        Vector256.ShiftRightArithmetic(
            Vector256.ShiftRightArithmetic(b0 * Vector256.ShiftRightArithmetic(Vector256.Load(s0), 4), 16)
            + Vector256.ShiftRightArithmetic(b1 * Vector256.ShiftRightArithmetic(Vector256.Load(s1), 4), 16) + two, 2);

    private static void LinearFloats(float* src, int srcWidth, int srcHeight, int srcStride, float* dst, int dstWidth,
        int dstHeight, int cn, Plan plan)
    {
        int rowLength = dstWidth * cn;
        int[] ints = new int[dstWidth + dstHeight];
        float[] floats = new float[(2 * dstWidth) + dstHeight + (2 * rowLength)];
        fixed (int* ip = ints)
        fixed (float* fp = floats)
        {
            int* xofs = ip;
            int* yofs = ip + dstWidth;
            float* fx = fp;
            float* alpha = fp + dstWidth;
            float* fy = alpha + dstWidth;
            float* row0 = fy + dstHeight;
            float* row1 = row0 + rowLength;

            ColumnTable(srcWidth, dstWidth, plan.ScaleX, xofs, fx, out int xmax);
            for (int dx = 0; dx < dstWidth; dx++)
            {
                alpha[dx] = fx[dx];
                xofs[dx] *= cn;
            }

            RowTable(dstHeight, plan.ScaleY, yofs, fy);
            int have0 = -1, have1 = -1;
            for (int dy = 0; dy < dstHeight; dy++)
            {
                int sy0 = ClampRow(yofs[dy], srcHeight), sy1 = ClampRow(yofs[dy] + 1, srcHeight);
                if (sy0 != have0)
                {
                    if (sy0 == have1)
                    {
                        float* swap = row0;
                        row0 = row1;
                        row1 = swap;
                        (have0, have1) = (have1, have0);
                    }
                    else
                    {
                        HorizontalFloats(src + ((long)sy0 * srcStride), row0, xofs, alpha, dstWidth, cn, xmax);
                        have0 = sy0;
                    }
                }

                if (sy1 != have1)
                {
                    if (sy1 == have0)
                    {
                        Buffer.MemoryCopy(row0, row1, rowLength * sizeof(float), rowLength * sizeof(float));
                    }
                    else
                    {
                        HorizontalFloats(src + ((long)sy1 * srcStride), row1, xofs, alpha, dstWidth, cn, xmax);
                    }

                    have1 = sy1;
                }

                float b1 = fy[dy], b0 = 1f - b1;
                float* d = dst + ((long)dy * rowLength);
                for (int x = 0; x < rowLength; x++)
                {
                    d[x] = (row0[x] * b0) + (row1[x] * b1);
                }
            }
        }
    }

    private static void HorizontalFloats(float* s, float* d, int* xofs, float* alpha, int dstWidth, int cn, int xmax)
    {
        int dx = 0;
        for (; dx < xmax; dx++, d += cn)
        {
            float* p = s + xofs[dx];
            float a1 = alpha[dx], a0 = 1f - a1;
            for (int c = 0; c < cn; c++)
            {
                d[c] = (p[c] * a0) + (p[c + cn] * a1);
            }
        }

        for (; dx < dstWidth; dx++, d += cn)
        {
            float* p = s + xofs[dx];
            for (int c = 0; c < cn; c++)
            {
                d[c] = p[c];
            }
        }
    }

    private static void HalveBytes(byte* src, int srcStride, int srcStep, byte* dst, int dstWidth, int dstHeight,
        int dstStep, int cn)
    {
        int rowLength = dstWidth * dstStep;
        for (int dy = 0; dy < dstHeight; dy++)
        {
            byte* s0 = src + ((long)(2 * dy) * srcStride);
            byte* s1 = s0 + srcStride;
            byte* d = dst + ((long)dy * rowLength);
            for (int dx = 0; dx < dstWidth; dx++)
            {
                int i = 2 * dx * srcStep;
                for (int c = 0; c < cn; c++, i++)
                {
                    int sum = s0[i] + s0[i + srcStep] + s1[i] + s1[i + srcStep];

                    // OpenCV's 1-, 3- and 4-channel code rounds half up; its generic code through a float.
                    d[(dx * dstStep) + c] = cn is 1 or 3 or 4 ? (byte)((sum + 2) >> 2) : (byte)MathF.Round(sum * 0.25f);
                }
            }
        }
    }

    private static void HalveFloats(float* src, int srcStride, float* dst, int dstWidth, int dstHeight, int cn)
    {
        int rowLength = dstWidth * cn;
        bool pairwise = cn is 1 or 4; // OpenCV's vector code adds the rows' pairs first, its scalar code in turn
        for (int dy = 0; dy < dstHeight; dy++)
        {
            float* s0 = src + ((long)(2 * dy) * srcStride);
            float* s1 = s0 + srcStride;
            float* d = dst + ((long)dy * rowLength);
            for (int x = 0; x < rowLength; x++)
            {
                int i = ((x / cn) * 2 * cn) + (x % cn);
                float sum = pairwise ? (s0[i] + s0[i + cn]) + (s1[i] + s1[i + cn]) : s0[i] + s0[i + cn] + s1[i] + s1[i + cn];
                d[x] = sum * 0.25f;
            }
        }
    }

    private static void CopyPixels(byte* src, int srcStride, int srcStep, byte* dst, int width, int height, int dstStep, int cn)
    {
        for (int y = 0; y < height; y++)
        {
            byte* s = src + ((long)y * srcStride);
            byte* d = dst + ((long)y * width * dstStep);
            for (int x = 0; x < width; x++, s += srcStep, d += dstStep)
            {
                for (int c = 0; c < cn; c++)
                {
                    d[c] = s[c];
                }
            }
        }
    }

    private static void CopyRows<T>(T* src, int srcStride, T* dst, int dstStride, int length, int rows)
        where T : unmanaged
    {
        long bytes = (long)length * sizeof(T);
        for (int y = 0; y < rows; y++)
        {
            Buffer.MemoryCopy(src + ((long)y * srcStride), dst + ((long)y * dstStride), bytes, bytes);
        }
    }
}
