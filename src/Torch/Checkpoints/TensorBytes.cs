using SsdLite.Torch.Interop;

namespace SsdLite.Torch;

/// <summary>Raw little-endian element bytes of a tensor, in and out, for any dtype.</summary>
public static class TensorBytes
{
    public static unsafe byte[] Read(Tensor t)
    {
        var bytes = new byte[t.numel() * ElementTypes.SizeOf(t.dtype)];
        fixed (byte* p = bytes)
        {
            TorchException.Check(NativeMethods.ssd_copy_to_host(t.Handle, p, bytes.Length), "TensorBytes.Read");
        }
        return bytes;
    }

    public static unsafe Tensor Create(ReadOnlySpan<byte> bytes, long[] shape, ScalarType dtype)
    {
        long count = 1;
        foreach (var s in shape) count *= s;
        var expected = count * ElementTypes.SizeOf(dtype);
        if (expected != bytes.Length)
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] of {dtype} needs {expected} bytes, got {bytes.Length}");
        fixed (byte* d = bytes)
        fixed (long* s = shape)
        {
            return new Tensor(NativeMethods.ssd_from_data(d, s, shape.Length, (int)dtype), "TensorBytes.Create");
        }
    }
}
