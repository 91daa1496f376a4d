using TorchSharp;

namespace SsdLite.Platform.Checkpoints;

/// <summary>Raw little-endian element bytes of a tensor, in and out, for any dtype.</summary>
public static class TensorBytes
{
    /// <summary>The tensor's elements as contiguous little-endian bytes.</summary>
    public static byte[] Read(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        return t.detach().cpu().contiguous().bytes.ToArray();
    }

    /// <summary>
    /// A CPU tensor of <paramref name="shape"/> and <paramref name="dtype"/> holding a copy of <paramref
    /// name="bytes"/>.
    /// </summary>
    public static Tensor Create(ReadOnlySpan<byte> bytes, long[] shape, ScalarType dtype)
    {
        var expected = checked(ElementCount(shape) * SizeOf(dtype));
        if (expected != bytes.Length)
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] of {dtype} needs {expected} bytes, got {bytes.Length}");
        var t = torch.empty(shape, dtype);
        bytes.CopyTo(t.bytes);
        return t;
    }

    // A zero in the shape makes the count 0 whatever the other sizes are, but libtorch still multiplies those into
    // the strides: [0, 2^62, 2^62] would pass a plain product and fail inside torch.empty. So the non-zero sizes
    // must multiply without overflow too, in bytes.
    private static long ElementCount(long[] shape)
    {
        long count = 1, span = 1;
        foreach (var s in shape)
        {
            if (s < 0) throw new ArgumentException($"negative size in shape [{string.Join(", ", shape)}]");
            try
            {
                count = checked(count * s);
                span = checked(span * Math.Max(s, 1));
                _ = checked(span * sizeof(double));
            }
            catch (OverflowException)
            {
                throw new ArgumentException($"shape [{string.Join(", ", shape)}] has more elements than a tensor can index");
            }
        }
        return count;
    }

    /// <summary>Bytes per element of <paramref name="t"/>.</summary>
    public static int SizeOf(ScalarType t) => t switch
    {
        ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 => 8,
        _ => throw new NotSupportedException($"unknown dtype {t}"),
    };
}
