namespace SsdLite.Platform.Serialization;

/// <summary>
/// One tensor read from a state_dict file (a PyTorch checkpoint or safetensors). <paramref name="Data"/> holds the elements contiguous, row-major and
/// little-endian: the storage offset and strides of the saved view are already applied.
/// </summary>
public sealed record PthTensor(ScalarType DType, long[] Shape, byte[] Data)
{
    /// <summary>Number of elements (1 for a 0-dim tensor, 0 when any dimension is 0).</summary>
    public long NumElements => Shape.Aggregate(1L, (n, d) => n * d);
}
