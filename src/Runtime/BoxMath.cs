namespace SsdLite.Runtime;

/// <summary>
/// Box conversions and overlaps over packed float spans (four values per box), relative or pixel
/// coordinates alike; areas are plain products (no +1 pixel convention).
/// </summary>
public static class BoxMath
{
    /// <summary>(cx, cy, w, h) to (xmin, ymin, xmax, ymax); input and output may be the same span.</summary>
    public static void CenterToCorner(ReadOnlySpan<float> center, Span<float> corner)
    {
        CheckPacked(center, corner);
        for (var k = 0; k < center.Length; k += 4)
        {
            float cx = center[k], cy = center[k + 1], w = center[k + 2], h = center[k + 3];
            corner[k] = cx - (w / 2);
            corner[k + 1] = cy - (h / 2);
            corner[k + 2] = cx + (w / 2);
            corner[k + 3] = cy + (h / 2);
        }
    }

    /// <summary>(xmin, ymin, xmax, ymax) to (cx, cy, w, h); input and output may be the same span.</summary>
    public static void CornerToCenter(ReadOnlySpan<float> corner, Span<float> center)
    {
        CheckPacked(corner, center);
        for (var k = 0; k < corner.Length; k += 4)
        {
            float x0 = corner[k], y0 = corner[k + 1], x1 = corner[k + 2], y1 = corner[k + 3];
            center[k] = (x0 + x1) / 2;
            center[k + 1] = (y0 + y1) / 2;
            center[k + 2] = x1 - x0;
            center[k + 3] = y1 - y0;
        }
    }

    /// <summary>Area of a corner box; inverted boxes count as empty.</summary>
    public static float Area(float xMin, float yMin, float xMax, float yMax) =>
        MathF.Max(xMax - xMin, 0f) * MathF.Max(yMax - yMin, 0f);

    /// <summary>Intersection over union of two corner boxes (4 values each); 0 when the union is empty.</summary>
    public static float Iou(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var interW = MathF.Min(a[2], b[2]) - MathF.Max(a[0], b[0]);
        var interH = MathF.Min(a[3], b[3]) - MathF.Max(a[1], b[1]);
        if (interW <= 0f || interH <= 0f)
        {
            return 0f;
        }

        var inter = interW * interH;
        var union = Area(a[0], a[1], a[2], a[3]) + Area(b[0], b[1], b[2], b[3]) - inter;
        return union > 0f ? inter / union : 0f;
    }

    /// <summary>IoU of every box of <paramref name="a"/> (N) with every box of <paramref name="b"/> (M), row-major N x M.</summary>
    public static void IouMatrix(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> iou)
    {
        CheckPackedLength(a, nameof(a));
        CheckPackedLength(b, nameof(b));
        int n = a.Length / 4, m = b.Length / 4;
        if (iou.Length < n * m)
        {
            throw new ArgumentException($"Need {n * m} values for a {n}x{m} IoU matrix, got {iou.Length}.", nameof(iou));
        }

        for (var r = 0; r < n; r++)
        {
            var boxA = a.Slice(r * 4, 4);
            var row = iou.Slice(r * m, m);
            for (var c = 0; c < m; c++)
            {
                row[c] = Iou(boxA, b.Slice(c * 4, 4));
            }
        }
    }

    internal static void CheckPackedLength(ReadOnlySpan<float> boxes, string name)
    {
        if (boxes.Length % 4 != 0)
        {
            throw new ArgumentException($"Boxes are packed four values each; length {boxes.Length} is not a multiple of 4.", name);
        }
    }

    private static void CheckPacked(ReadOnlySpan<float> input, Span<float> output)
    {
        CheckPackedLength(input, nameof(input));
        if (output.Length < input.Length)
        {
            throw new ArgumentException($"Output holds {output.Length} values, input {input.Length}.", nameof(output));
        }
    }
}
