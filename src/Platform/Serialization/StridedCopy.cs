namespace SsdLite.Platform.Serialization;

/// <summary>
/// Turns a strided view of a storage into contiguous row-major bytes. Several tensors of a state_dict may share
/// one storage (a slice, a transpose), so each is gathered by its own offset and strides.
/// </summary>
internal static class StridedCopy
{
    /// <summary>
    /// The most bytes a view may expand to beyond its storage: a view reading more elements than its storage holds
    /// repeats them (stride 0, or overlapping strides), so a few bytes of file could announce gigabytes. torch.save
    /// never writes such views for a state_dict; small broadcasts up to this size are still read.
    /// </summary>
    public const long MaxExpansionBytes = 16L << 20;

    /// <summary>The elements of the view, row-major and contiguous.</summary>
    /// <param name="storage">the raw storage the view reads, from element 0</param>
    /// <param name="storageElements">elements of <paramref name="storage"/> the view may reach</param>
    /// <param name="elementSize">bytes per element</param>
    /// <param name="offset">the view's first element, in elements from the storage's start</param>
    /// <param name="shape">the view's sizes per dimension</param>
    /// <param name="stride">the view's steps per dimension, in elements</param>
    public static byte[] Gather(byte[] storage, long storageElements, int elementSize, long offset, long[] shape, long[] stride)
    {
        long count = CountElements(shape);
        if (shape.Length != stride.Length)
            throw new InvalidDataException($"tensor size [{string.Join(", ", shape)}] and stride [{string.Join(", ", stride)}] differ in rank");
        if (count == 0)
            return [];
        CheckBounds(storageElements, offset, shape, stride);
        if (count > storageElements && count * elementSize > MaxExpansionBytes)
            throw new InvalidDataException(
                $"tensor view (size [{string.Join(", ", shape)}], stride [{string.Join(", ", stride)}]) repeats a storage of {storageElements} elements " +
                $"into {count} elements ({count * elementSize} bytes); views that expand beyond {MaxExpansionBytes} bytes are refused");
        if (count * elementSize > Array.MaxLength)
            throw new InvalidDataException($"tensor of {count} elements is larger than one .NET array can hold");

        var result = new byte[count * elementSize];
        if (IsRowMajor(shape, stride))
            Array.Copy(storage, offset * elementSize, result, 0, result.Length);
        else
            GatherStrided(storage, elementSize, offset, shape, stride, result);
        return result;
    }

    public static long CountElements(long[] shape)
    {
        long count = 1;
        foreach (long size in shape)
        {
            if (size < 0)
                throw new InvalidDataException($"negative tensor size in [{string.Join(", ", shape)}]");
            count = checked(count * size);
        }
        return count;
    }

    private static void CheckBounds(long storageElements, long offset, long[] shape, long[] stride)
    {
        if (offset < 0 || stride.Any(s => s < 0))
            throw new InvalidDataException($"negative storage offset {offset} or stride in [{string.Join(", ", stride)}]");
        long last = offset;
        for (int d = 0; d < shape.Length; d++)
            last = checked(last + (shape[d] - 1) * stride[d]);
        if (last >= storageElements)
            throw new InvalidDataException(
                $"tensor view (offset {offset}, size [{string.Join(", ", shape)}], stride [{string.Join(", ", stride)}]) " +
                $"reaches element {last} of a storage of {storageElements} elements");
    }

    // Strides of size-1 dimensions never move, so they may hold anything in a contiguous tensor.
    private static bool IsRowMajor(long[] shape, long[] stride)
    {
        long expected = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] != 1 && stride[d] != expected)
                return false;
            expected *= shape[d];
        }
        return true;
    }

    // Walks the outer dimensions like an odometer; the innermost one is copied as one block when it is dense.
    private static void GatherStrided(byte[] storage, int elementSize, long offset, long[] shape, long[] stride, byte[] result)
    {
        int rank = shape.Length;
        long innerSize = shape[rank - 1];
        long innerStride = stride[rank - 1];
        var index = new long[rank - 1];
        long source = offset;
        long target = 0;
        long rows = result.LongLength / elementSize / innerSize;
        for (long row = 0; row < rows; row++)
        {
            CopyRow(storage, elementSize, source, innerSize, innerStride, result, target);
            target += innerSize * elementSize;
            source = Advance(index, shape, stride, source);
        }
    }

    private static void CopyRow(byte[] storage, int elementSize, long source, long count, long stride, byte[] result, long target)
    {
        if (stride == 1)
        {
            Array.Copy(storage, source * elementSize, result, target, count * elementSize);
            return;
        }
        for (long i = 0; i < count; i++)
            Array.Copy(storage, (source + i * stride) * elementSize, result, target + i * elementSize, elementSize);
    }

    // Moves to the next row of the outer dimensions and returns its first element's storage index.
    private static long Advance(long[] index, long[] shape, long[] stride, long source)
    {
        for (int d = index.Length - 1; d >= 0; d--)
        {
            index[d]++;
            source += stride[d];
            if (index[d] < shape[d])
                return source;
            source -= index[d] * stride[d];
            index[d] = 0;
        }
        return source;
    }
}
