namespace SsdLite.Torch;

/// <summary>
/// How a 4-D tensor's elements are ordered in memory: NCHW (PyTorch's default) or channels last (NHWC strides,
/// same logical shape). Channels last lets libtorch's CPU convolutions (oneDNN) skip layout conversions.
/// </summary>
public enum MemoryFormat
{
    Contiguous = 0,
    ChannelsLast = 1,
}
